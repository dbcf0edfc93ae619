"""What kind of event a sentence reports: ACLED's event type and sub-event type from its triggers.

:func:`_classify` reads a sentence's realis triggers (``triggers.py``) and the words around them:
which form of violence wins when several are named, when violence is only the setting of a
strategic development, what arms a verb of seizing acts on, who took ground from whom, how a
protest is sub-typed, and when a crowd's violence is mob violence. The mention loop
(:mod:`~warwatch.extract.mentions`) calls it once per sentence.
"""

from __future__ import annotations

import re
from functools import lru_cache

from spacy.tokens import Span

from warwatch.extract.actors import ActorRef
from warwatch.extract.countries import is_country_word
from warwatch.extract.extraction import _Sentence
from warwatch.extract.lexicon import load
from warwatch.extract.perpetrator import _CIVILIAN_VICTIMS, _MILITARY_VICTIMS, _victims
from warwatch.extract.triggers import STRONG, Trigger, has_attack_verb

# which sub-event type wins when a sentence names several forms of violence
_PRIORITY = [
    "Chemical weapon",
    "Suicide bomb",
    "Remote explosive/landmine/IED",
    "Air/drone strike",
    "Shelling/artillery/missile attack",
    "Grenade",
    # ACLED: ground that changes hands is the event, whatever fighting it took
    "territory",
    "Armed clash",
    "Abduction/forced disappearance",
    "Sexual violence",
    "Attack",
    "Peaceful protest",
    "Violent demonstration",
    "Mob violence",
    "Arrests",
    "Looting/property destruction",
    "Non-violent transfer of territory",
    "Headquarters or base established",
    "Disrupted weapons use",
    "Agreement",
    "Change to group/activity",
    "Other",
]
_DEVELOPMENT = "Strategic developments"
_TAKEN = {"Government regains territory", "Non-state actor overtakes territory"}
_TALLIED = {"Arrests", "Peaceful protest", "Protest with intervention"}
# a fight between crowds of people, with no armed party: ACLED's mob violence, not a battle
_CROWD = re.compile(r"\b(?:villagers|residents|locals|supporters|crowds?|mobs?|youths|students|worshippers|"
                    r"neighbours|neighbors|families|fans|groups? of (?:people|men|locals|villagers)|"
                    r"cadres|(?:party|union) (?:workers|supporters|members|activists)|members of (?:a |the )?rival|"
                    r"two groups|rival groups)\b", re.I)
_SAID_BY = re.compile(r"[,;]?\s*(?:the\s+)?(?:police|army|military|security)\s+(?:\w+\s+)?"
                      r"(?:said|say|says|told|reported)\b", re.I)
_POLICE_PLACE = re.compile(r"\bpolice (?:station|post|headquarters|limits|jurisdiction)s?\b", re.I)
_RECIPROCAL = re.compile(r"\b(?:each other|one another)\b", re.I)
_MOB_VERBS = {"beat", "lynch", "kill", "clash", "attack", "assault", "stone", "torch", "burn", "set", "hack", "injure",
              "wound", "chase", "thrash", "murder", "stab", "vandalise", "vandalize", "ransack", "loot", "fight"}
_ARMED = re.compile(r"\b(?:soldiers|troops|army|militants?|police|policemen|forces|gunmen|rebels?|fighters|"
                    r"militia\w*|insurgents|jihadists|guerrillas?|armed|gunfire|guns?|rifles|bandits)\b", re.I)
# "seized weapons and ammunition": what is seized is arms, not ground (ACLED: disrupted weapons use)
_ARMS = re.compile(
    r"\b(?:weapons?|arms|ammunition|ammo|explosives?|ieds?|rifles|guns|rockets?|mortars?|grenades?|bombs?|"
    r"(?:land)?mines?|cache|stash|munitions?|detonators?|vests?|belts?|shells?|missiles?|drones?|projectiles?|"
    r"devices?|caches|depots?|unexploded|ordnance|uxos?|pistols?|bullets|firearms?|cartridges|magazines|"
    r"kalashnikovs?|ak-47s?)\b", re.I)
# "took control of the town without a fight", "entered the city after the army withdrew": ground
# changing hands with no battle (ACLED: non-violent transfer of territory)
_WITHOUT_A_FIGHT = re.compile(
    r"\b(?:without (?:a |any )?(?:fight|fighting|battle|resistance|a shot|clashes|bloodshed|firing)|unopposed|"
    r"peacefully|(?:after|as|when|following) (?:the )?[\w\s-]{0,40}?(?:withdr[ae]w|withdrawal|pulled out|retreat\w*|"
    r"abandon\w*|fled|left)|handed (?:it )?over|handover)\b", re.I)
# the preposition that makes violence the background of a development: "agreed a ceasefire after
# the worst fighting in decades", "arrested amid clashes"
_BACKGROUND_PREPS = {"after", "following", "amid", "despite", "since", "during", "ending", "end"}
_BARE_EXPLOSIONS = {"explosion", "blast", "explosions"}
_HEAVY_MG = re.compile(r"\bheavy machine[- ]?guns?\b", re.I)
_SMALL_ARMS = re.compile(
    r"\b(?:small arms|(?:heavy |large-calibre |large-caliber )?machine[- ]?guns?|automatic (?:weapons|rifles)|rifles|"
    r"firearms|gunfire|gunshots|AK-47s?|"
    r"IFVs?|infantry fighting vehicles?)\b",
    re.I,
)
_OFF_DUTY = re.compile(r"\boff[- ]duty\b", re.I)
# "Airstrikes also were reported in Kremenchuk": strikes said to have happened, with no verb of attack
_REPORTED = re.compile(r"\b(?:was|were|has been|have been)\s+(?:also\s+)?(?:reported|carried out|conducted|launched)\b",
                       re.I)



@lru_cache(maxsize=1)
def _targets() -> list[tuple[re.Pattern[str], str, bool]]:
    return [(re.compile(p, re.I), name, civ) for p, name, civ in load("targets")["entries"]]


def _target(text: str) -> tuple[str | None, bool]:
    for regex, name, civilian in _targets():
        if regex.search(text):
            return name, civilian
    return None, False

def _classify(triggers: list[Trigger], sent: Span, context_sub: str | None,
              after: str = "") -> tuple[str, str, str | None] | None:
    """(event type, sub-event type, weapon) of the sentence's realis triggers, or None.

    ``after`` is the text of the next sentences: what happened at a protest is often told there
    ("Police fired tear gas to disperse them")."""
    real = [t for t in triggers if t.modality == "event"]
    strong = [t for t in real if t.kind in STRONG]
    air = [t for t in real if t.kind == "air"]
    generic = [t for t in real if t.kind in ("generic", "casualty")]
    development = [t for t in strong if t.kind == "development"]
    violent = [t for t in strong if t.kind != "development"]
    for t in violent:
        if t.kind == "territory" and _seizes_arms(t):
            t.event_type, t.sub_event_type, t.kind = _DEVELOPMENT, "Disrupted weapons use", "development"
            development.append(t)
    violent = [t for t in violent if t.kind != "development"]
    violent = [t for t in violent if not (t.kind == "territory" and _takes_no_ground(t))]
    disarmed = _disarmed(sent)
    explosive = [t for t in violent if t.event_type == "Explosions/Remote violence" or t.kind == "air"]
    if (disarmed and all(t.token.i in disarmed for t in explosive + air)
            and all(t.event_type == "Explosions/Remote violence" for t in violent)
            and not any(t.kind == "casualty" for t in real)):
        # "air defences shot down two drones", "sappers defused an IED", "mines were found and
        # cleared": the weapon named is what was stopped, it never struck
        return _DEVELOPMENT, "Disrupted weapons use", None
    if development and (not violent or all(_in_background(t, development) for t in violent)):
        # people killed or hurt in the same breath ("looted and killed two") make it violence
        harm = [t for t in generic if t.kind == "casualty" and not _in_background(t, development)]
        # what is done at a protest (arrests, arson) is the protest's story, typed below
        at_protest = any(t.kind == "protest" for t in strong)
        if not harm and not at_protest:
            best_dev = min(development, key=lambda t: _PRIORITY.index(t.sub_event_type))
            if best_dev.sub_event_type == "Looting/property destruction" and _crowd_did_it(sent):
                return "Riots", "Mob violence", None  # "a crowd set fire to the homes of ..."
            return _DEVELOPMENT, best_dev.sub_event_type or "Other", None
    strong = violent
    territory = next((t for t in strong if t.kind == "territory"), None)
    if territory is not None and _WITHOUT_A_FIGHT.search(sent.text) and all(
            t.kind in ("territory", "protest") for t in strong):
        return _DEVELOPMENT, "Non-violent transfer of territory", None
    protest = next((t for t in strong if t.kind == "protest"), None)
    if protest is not None and all(t.event_type in (None, "Battles", "Protests", "Riots", _DEVELOPMENT)
                                   for t in strong + development):
        return _protest_kind(protest, sent.text + " " + after)  # "protesters clashed with police": a riot
    if strong:
        best = min(strong, key=lambda t: _PRIORITY.index(t.sub_event_type) if t.sub_event_type in _PRIORITY else 99)
        if best.kind == "bombard" and air:
            best = air[0]
        weapon = next(
            (
                t.weapon
                for t in strong
                if t.weapon and t.weapon not in ("shelling", "air strike") and t.sub_event_type == best.sub_event_type
            ),
            best.weapon,
        )
        if any(t.weapon == "barrel bomb" for t in real):
            weapon = "barrel bomb"
        if best.phrase in _BARE_EXPLOSIONS:
            # "explosions involving mortars", "bursts of fire involving small arms": an explosion
            # heard or counted is typed by the weapon named with it, a device only when none is
            others = [t for t in strong if t.phrase not in _BARE_EXPLOSIONS and t.kind != "protest"]
            if others:
                best = min(others, key=lambda t: _PRIORITY.index(t.sub_event_type)
                           if t.sub_event_type in _PRIORITY else 99)
            elif _HEAVY_MG.search(sent.text):
                return "Explosions/Remote violence", "Shelling/artillery/missile attack", None
            elif _SMALL_ARMS.search(sent.text):
                return "Battles", "Armed clash", None
        if best.kind == "protest":
            return _protest_kind(best, sent.text + " " + after)
        if best.sub_event_type == "Attack" and _victims(sent, _MILITARY_VICTIMS) and not _OFF_DUTY.search(sent.text):
            # "gunmen opened fire on a police patrol, injuring three policemen": armed men on both
            # sides make a battle, not violence against civilians
            return "Battles", "Armed clash", None
        if best.sub_event_type in ("Armed clash", "Attack") and _crowd_did_it(sent):
            # "villagers clashed with sticks and iron rods": a fight between unarmed crowds is mob violence
            return "Riots", "Mob violence", None
        if best.sub_event_type in ("Shelling/artillery/missile attack", "Grenade") and _SMALL_ARMS.search(sent.text):
            # ACLED: heavy weapons fired together with small arms at an armed enemy make an armed clash
            return "Battles", "Armed clash", weapon
        return best.event_type or "Explosions/Remote violence", best.sub_event_type or "", weapon
    if air and (generic or has_attack_verb(sent) or any(t.phrase == "barrel" for t in air)
                or _REPORTED.search(sent.text)):
        weapon = "barrel bomb" if any(t.weapon == "barrel bomb" for t in air) else air[0].weapon
        return "Explosions/Remote violence", "Air/drone strike", weapon
    if generic:
        if any(t.phrase == "bomb" for t in generic) and not context_sub:
            # "forces bombed militant bases" is from the air; "their vehicle hit a bomb", a planted device
            if any(t.phrase == "bomb" and t.token.pos_ == "VERB" for t in generic):
                return "Explosions/Remote violence", "Air/drone strike", None
            return "Explosions/Remote violence", "Remote explosive/landmine/IED", None
        if any(t.event_type == "Explosions/Remote violence" for t in generic) or context_sub in (
            "Air/drone strike",
            "Shelling/artillery/missile attack",
        ):
            return "Explosions/Remote violence", context_sub or "", None
        # an attack or a killing with no weapon named: on armed men it is a battle, on civilians an attack
        if generic:
            off_duty = bool(_OFF_DUTY.search(sent.text))  # ACLED: off-duty soldiers and police are civilians
            if _victims(sent, _MILITARY_VICTIMS) and not off_duty:
                return "Battles", "Armed clash", None
            if any(t.lemma_.lower() == "clash" for t in sent) and _crowd_did_it(sent):
                return "Riots", "Mob violence", None
            if _crowd_did_it(sent):
                return "Riots", "Mob violence", None  # "locals beat and killed a man they accused of theft"
            if any(t.phrase == "gunman" for t in generic):
                # "gunmen opened fire inside a mosque", "gunmen attacked a hotel": armed men, no armed victims
                return "Violence against civilians", "Attack", None
            if not any(t.kind == "casualty" for t in generic) and _destroys_property(sent, generic):
                return _DEVELOPMENT, "Looting/property destruction", None  # "militants destroyed a mast"
            if _victims(sent, _CIVILIAN_VICTIMS) or off_duty or any(t.kind == "casualty" for t in generic):
                # someone killed, with no armed party said to be fighting back: an attack on civilians
                return "Violence against civilians", "Attack", None
        return None
    return None


_PROPERTY = re.compile(r"\b(?:bridges?|masts?|towers?|pylons?|buildings?|schools?|houses?|homes?|offices?|churche?s?|"
                       r"mosques?|temples?|shops?|markets?|vehicles?|cars?|trucks?|crops?|granar(?:y|ies)|property|"
                       r"properties|infrastructure|power lines?|pipelines?|antennas?|equipment|machinery)\b", re.I)


def _destroys_property(sent: Span, generic: list[Trigger]) -> bool:
    """A verb of destroying whose object is property, with nobody hurt ("destroyed a telecom mast")."""
    for t in generic:
        if t.token.lemma_.lower() not in ("destroy", "raze", "demolish", "wreck"):
            continue
        objects = [c for c in t.token.children if c.dep_ in ("dobj", "nsubjpass")]
        if any(_PROPERTY.search(" ".join(x.text for x in o.subtree)) for o in objects):
            return True
    return False


_EXPELLED = {"pushed back", "push back", "drive out", "drove out", "driven out", "push out", "pushed out", "expel"}


def _passive(trigger: Trigger) -> bool:
    verb = trigger.token if trigger.token.pos_ in ("VERB", "AUX") else trigger.token.head
    return any(c.dep_ in ("nsubjpass", "auxpass") for c in verb.children)


def _subject_party(s: _Sentence, trigger: Trigger) -> list[ActorRef]:
    """The party that is the grammatical subject of the trigger's verb ("the Malian army entered
    Kidal after driving out Tuareg rebels": the army, not the rebels driven out)."""
    verb, steps = trigger.token, 0
    while steps < 6 and verb.head.i != verb.i and not any(c.dep_ == "nsubj" for c in verb.children) and (
            verb.pos_ not in ("VERB", "AUX") or verb.dep_ in ("advcl", "pcomp", "xcomp", "conj", "prep", "prt")):
        verb, steps = verb.head, steps + 1
    for child in verb.children:
        if child.dep_ in ("nsubj", "nsubjpass", "agent"):
            span = {t.idx for t in child.subtree}
            found = [a for a in s.actors if a.kind in ("state", "rebel") and a.start in span]
            if found:
                return found
    return []


def _unread_place(sent: Span) -> Span | None:
    """A place the sentence names that the toponym finder could not read (a new or misspelt name):
    the incident has a place, only not one we know, so it is not coded to the whole country."""
    return next((ent for ent in sent.ents if ent.label_ in ("GPE", "LOC", "FAC")
                 and not is_country_word(ent.text.removeprefix("the "))), None)


def _crowd_did_it(sent: Span) -> bool:
    """The violence is done by a crowd (villagers, locals, party cadres), with no armed party named."""
    # ", police said", "under Bharno police station": who tells of it or where, not a party to it
    if _ARMED.search(_POLICE_PLACE.sub("", _SAID_BY.sub("", sent.text))):
        return False
    if _RECIPROCAL.search(sent.text) and any(t.lemma_.lower() in ("clash", "attack", "fight") for t in sent):
        return True  # "members of two parties clashed with each other, attacking each other with sticks"
    # the crowd must be the one acting: "locals beat ...", not "residents said three were killed"
    subjects = [t for t in sent if t.dep_ == "nsubj" and t.head.lemma_.lower() in _MOB_VERBS]
    return any(_CROWD.search(" ".join(x.text for x in t.subtree)) for t in subjects)


def _crowd_actors(event_type: str, sub: str, actors: list[ActorRef], country: str | None) -> list[ActorRef]:
    """ACLED's sides of a protest or riot: "Protesters (Country)" or "Rioters (Country)" first, then
    the state force that met them (intervention, excessive force, a riot against police) or, for mob
    violence, the civilians it fell on. The country is the story's; with none, it is filled in from
    the event's place once geocoded (see ``pipeline``)."""
    label = "Protesters" if event_type == "Protests" else "Rioters"
    where = f" ({country})" if country else ""
    start = actors[0].start if actors else 0
    crowd = ActorRef(f"{label}{where}", label.lower(), label.lower(), start, start, False, country)
    state = [a for a in actors if a.kind == "state"]
    if sub == "Mob violence":
        return [crowd, ActorRef(f"Civilians{where}", "civilians", "civilians", start, start, False, country)]
    if sub == "Peaceful protest":
        return [crowd]
    return [crowd, *state[:1]]


_GROUND = re.compile(r"\b(?:towns?|city|cities|villages?|areas?|hills?|heights|bases?|positions?|districts?|regions?|"
                     r"territor(?:y|ies)|control|airports?|airfields?|crossings?|checkpoints?|roads?|highways?|bridges?|"
                     r"neighbou?rhoods?|outposts?|camps?|localit(?:y|ies)|settlements?|count(?:y|ies)|provinces?|"
                     r"strongholds?|posts?|garrisons?|barracks|headquarters|island|port|dam|mountains?|valley|"
                     r"front ?lines?|capital|centre|center|suburbs?|quarters?|hamlets?|municipalit(?:y|ies))\b", re.I)


def _takes_no_ground(trigger: Trigger) -> bool:
    """What is taken is people or things ("captured two operatives", "seized a clinic"), not ground:
    a named place (a proper noun) or a word for ground."""
    objects = [c for c in trigger.token.children if c.dep_ in ("dobj", "nsubjpass")]
    if not objects:
        return False
    for o in objects:
        if o.pos_ == "PROPN" or o.ent_type_ in ("GPE", "LOC", "FAC") or _GROUND.search(o.text):
            return False
    return True


_DISARM_VERBS = {"seize", "capture", "find", "discover", "recover", "destroy", "clear", "remove", "defuse", "dismantle",
                 "confiscate", "intercept", "neutralize", "neutralise", "detonate", "down", "uncover", "unearth",
                 "impound", "shoot", "foil", "thwart", "disarm", "retrieve", "hand", "surrender"}


def _disarmed(sent: Span) -> set[int]:
    """Token indices of the arms a verb of seizing, finding, clearing or intercepting acts on ("found
    two explosive devices", "shot down three drones"); empty when no such verb takes arms."""
    taken: set[int] = set()
    for tok in sent:
        lemma = tok.lemma_.lower()
        if lemma not in _DISARM_VERBS or tok.pos_ not in ("VERB", "AUX"):
            continue
        if lemma == "shoot" and not any(c.lower_ == "down" for c in tok.children):
            continue
        for child in tok.children:
            if child.dep_ in ("dobj", "nsubjpass") and _ARMS.search(" ".join(t.text for t in child.subtree)):
                taken |= {t.i for t in child.subtree}
    return taken


def _seizes_arms(trigger: Trigger) -> bool:
    """A verb of taking whose object is arms ("seized a cache of weapons"), not a place."""
    objects = [c for c in trigger.token.children if c.dep_ in ("dobj", "nsubjpass")]
    return any(_ARMS.search(" ".join(t.text for t in o.subtree)) for o in objects)


def _in_background(trigger: Trigger, development: list[Trigger]) -> bool:
    """The violence is only the setting of a development: it hangs from "after", "amid"... on the
    way up to the development's verb ("agreed a ceasefire after weeks of fighting")."""
    node, steps = trigger.token, 0
    targets = {t.token.i for t in development}
    through_prep = False
    while steps < 10 and node.head.i != node.i:
        if node.dep_ == "pobj" and node.head.lower_ in _BACKGROUND_PREPS:
            through_prep = True
        if node.dep_ in ("advcl",) and any(c.dep_ == "mark" and c.lower_ in _BACKGROUND_PREPS for c in node.children):
            through_prep = True
        node, steps = node.head, steps + 1
        if node.i in targets or any(c.i in targets for c in node.children):
            return through_prep
    return False


@lru_cache(maxsize=1)
def _protest_cues() -> dict[str, re.Pattern[str]]:
    cues = load("triggers")["protest_modifiers"]
    return {k: re.compile(v, re.I) for k, v in cues.items() if not k.startswith("_")}


def _protest_kind(trigger: Trigger, text: str) -> tuple[str, str, None]:
    """ACLED's protest and riot sub-types from what the sentence says happened at it."""
    cues = _protest_cues()
    if trigger.event_type == "Riots":
        return "Riots", trigger.sub_event_type or "Violent demonstration", None
    if _at_the_protest(cues["violent"], text):
        return "Riots", "Violent demonstration", None
    if _at_the_protest(cues["excessive_force"], text):
        return "Protests", "Excessive force against protesters", None
    if _at_the_protest(cues["intervention"], text):
        return "Protests", "Protest with intervention", None
    return "Protests", "Peaceful protest", None


# what a protest is about, not what happened at it: "protested against the arrest of", "to demand
# justice for men killed", "condemning the alleged rape", "demanded the release of detainees"
_GRIEVANCE = re.compile(
    r"\b(?:against|over|demand\w*|call\w* for|condemn\w*|denounc\w*|solidarity|protest(?:ing|ed)? (?:at|of|over|the)|"
    r"commemorat\w*|memory of|justice|release|accus\w*|claim\w*|repudiat\w*|after|following|since|victims? of|"
    r"reject\w*|oppos\w*|angry at|anger at|outrage at|because of|due to)\b", re.I)
_AT_PROTEST = re.compile(r"\b(?:police|security forces|soldiers|troops|officers|authorities|riot|tear ?gas|"
                         r"protesters|demonstrators|crowds?|rioters)\b", re.I)


def _at_the_protest(cue: re.Pattern[str], text: str) -> bool:
    """A cue that tells what happened at the protest, not the grievance it was held over."""
    for m in cue.finditer(text):
        clause = re.split(r"[.;:]|,\s+(?:and|but|while|as)\b", text[: m.start()])[-1]
        before = clause[-90:]
        grievance = list(_GRIEVANCE.finditer(before))
        between = before[grievance[-1].end():] if grievance else ""
        # the grievance reaches a few words ("against the arrest of", "justice for men killed"),
        # not the whole clause ("rallied against the president ... involving in clashes")
        if grievance and len(between.split()) <= 6 and not _AT_PROTEST.search(between):
            continue
        return True
    return False

