"""Every ACLED sub-event type from short news sentences, through the real pipeline (spaCy, gazetteer,
rules): the (event_type, sub_event_type) of all mentions of a text must be exactly the expected one.

Every sentence was written for these tests in the style of wire reports (invented incidents at real
gazetteer towns); none is taken from the evaluation data. Protests and riots also check ACLED's actor
naming ("Protesters (Country)", "Rioters (Country)", the police force that met them, "Civilians
(Country)" as the victims of mob violence). The pair tests hold two sentences that share their topic
and differ only in the words the rules read, so that a rule change that merges two sub-types fails.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from warwatch.models import Article, Mention
from warwatch.store import acled

PUBLISHED = date(2024, 5, 10)

B = "Battles"
E = "Explosions/Remote violence"
V = "Violence against civilians"
P = "Protests"
R = "Riots"
S = "Strategic developments"


def mentions(pipeline, text: str) -> list[Mention]:
    return pipeline.process(Article(text=text, title="", published=PUBLISHED))


def types(found: list[Mention]) -> set[tuple[str, str]]:
    return {(m.event_type, m.sub_event_type) for m in found}


def case(ident: str, event_type: str, sub: str, text: str, actor1: str | None = None,
         actor2: str | None = None) -> pytest.param:
    """One sentence and what it must yield. ``actor2`` is checked as a prefix, so that a police force
    is named by its country whatever period the actor table gives it."""
    return pytest.param(text, event_type, sub, actor1, actor2, id=ident)


CASES = [
    # Battles
    case("clash-syria", B, "Armed clash",
         "Syrian government troops and HTS fighters clashed on the outskirts of Saraqib on Thursday, "
         "a war monitor said."),
    case("clash-nigeria", B, "Armed clash",
         "Nigerian soldiers fought Boko Haram insurgents for several hours near Bama, military sources said."),
    case("clash-ukraine", B, "Armed clash",
         "Ukrainian and Russian forces exchanged fire near Vovchansk in the Kharkiv region overnight, "
         "the general staff said."),
    case("clash-second-day", B, "Armed clash",
         "Fighting raged for a second day between the army and RSF fighters in Omdurman, residents said."),
    case("regain-syria", B, "Government regains territory",
         "Syrian government forces regained control of the village of Kafr Nabl after driving out HTS "
         "fighters, state media said."),
    case("regain-ukraine", B, "Government regains territory",
         "Ukrainian troops recaptured the village of Robotyne from Russian forces, the defence ministry said."),
    case("overtake-overran", B, "Non-state actor overtakes territory",
         "Boko Haram insurgents overran a military base in Marte and took control of the town, "
         "security sources said."),
    case("overtake-seized", B, "Non-state actor overtakes territory",
         "Boko Haram insurgents seized the town of Marte after a fierce battle with Nigerian troops, "
         "security sources said."),
    case("regain-recaptured-from", B, "Government regains territory",
         "Nigerian troops recaptured Damboa from Boko Haram insurgents after a fierce gun battle, the army said."),
    case("regain-retook", B, "Government regains territory",
         "Nigerian troops retook the town of Damboa from Boko Haram militants on Tuesday, the army said."),
    case("regain-took-back", B, "Government regains territory",
         "Somali army troops took back control of the town of Mahas from al-Shabaab militants on Sunday, "
         "a commander said."),
    case("regain-driving-out", B, "Government regains territory",
         "The Malian army entered Kidal on Tuesday after driving out Tuareg rebels, the military said.",
         actor1="Military Forces of Mali (2021-)"),
    case("overtake-captured-town", B, "Non-state actor overtakes territory",
         "Al-Shabaab captured the town of Mahas after heavy fighting with government troops, residents said."),
    case("overtake-seized-from", B, "Non-state actor overtakes territory",
         "HTS fighters seized the village of Kafr Nabl from government forces after fierce clashes, "
         "the Syrian Observatory said."),
    case("overtake-rebels-captured", B, "Non-state actor overtakes territory",
         "M23 rebels captured the town of Bunagana after fierce clashes with Congolese troops, "
         "local officials said."),
    # Explosions/Remote violence
    case("air-warplanes", E, "Air/drone strike",
         "Russian warplanes struck the village of Maarat al-Numan in Idlib province on Friday, killing four "
         "civilians, rescuers said."),
    case("air-drone", E, "Air/drone strike",
         "A Russian drone hit an apartment block in Kharkiv overnight, wounding three people, "
         "the regional governor said."),
    case("air-us", E, "Air/drone strike",
         "A US airstrike killed five al-Shabaab fighters near Jilib in southern Somalia, the Africa Command said."),
    case("air-turkish-drone", E, "Air/drone strike",
         "A Turkish drone strike hit a car near Qamishli, killing two SDF commanders, a war monitor said."),
    case("shell-artillery", E, "Shelling/artillery/missile attack",
         "Russian artillery shelled the town of Kupiansk in the Kharkiv region, killing an elderly woman, "
         "the governor said."),
    case("shell-missile", E, "Shelling/artillery/missile attack",
         "A Russian missile struck a warehouse in Odesa on Monday, killing two workers, officials said."),
    case("shell-mortar", E, "Shelling/artillery/missile attack",
         "Mortar rounds fired by militants landed on a market in Mogadishu, killing three people, police said."),
    case("shell-hospital", E, "Shelling/artillery/missile attack",
         "Shells fired from Russian positions hit a hospital in Kherson, wounding four medics, the governor said."),
    case("ied-roadside", E, "Remote explosive/landmine/IED",
         "A roadside bomb struck a military convoy near Mogadishu on Sunday, killing two soldiers, police said."),
    case("ied-landmine", E, "Remote explosive/landmine/IED",
         "Two children were killed when a landmine exploded in a field near Izium, local officials said."),
    case("ied-car-bomb", E, "Remote explosive/landmine/IED",
         "A car bomb exploded outside a police station in Lahore, wounding six people, officials said."),
    case("ied-patrol", E, "Remote explosive/landmine/IED",
         "An improvised explosive device went off as a police patrol passed through a street in Mogadishu, "
         "wounding three officers."),
    case("suicide-restaurant", E, "Suicide bomb",
         "A suicide bomber blew himself up at a busy restaurant in Mogadishu, killing seven people, police said."),
    case("suicide-mosque", E, "Suicide bomb",
         "A female suicide bomber detonated her explosives at a mosque in Maiduguri, killing four worshippers, "
         "militia leaders said."),
    case("suicide-vest", E, "Suicide bomb",
         "A suicide bomber detonated an explosive vest at a checkpoint in Peshawar, killing three policemen, "
         "officials said."),
    case("suicide-rally", E, "Suicide bomb",
         "At least 12 people were killed when a suicide bomber struck a political rally in Peshawar, police said."),
    case("suicide-vehicle", E, "Suicide bomb",
         "A suicide attacker rammed an explosives-laden vehicle into a checkpoint in Peshawar, killing three "
         "policemen, officials said."),
    case("grenade-bar", E, "Grenade",
         "Suspected al-Shabaab militants hurled a grenade into a bar in Mandera, wounding five people, "
         "police said."),
    case("grenade-police-post", E, "Grenade",
         "Unidentified men lobbed a hand grenade at a police post in Imphal, injuring two officers, police said."),
    case("grenade-market", E, "Grenade",
         "A grenade thrown at a crowded market in Bangui wounded eleven people on Saturday, the UN mission said."),
    case("grenade-bus-station", E, "Grenade",
         "Attackers threw a grenade at a bus station in Nairobi, killing one person, police said."),
    case("chemical-chlorine", E, "Chemical weapon",
         "Syrian government helicopters dropped chlorine gas on the town of Saraqib, causing breathing "
         "difficulties among residents, medics said."),
    case("chemical-sarin", E, "Chemical weapon",
         "Government forces used sarin gas against the village of Khan Shaykhun, killing dozens of civilians, "
         "rescuers said."),
    case("chemical-barrels", E, "Chemical weapon",
         "Several residents of Douma were treated for suffocation after government helicopters dropped "
         "barrels of chlorine on the town, medics said."),
    # Violence against civilians
    case("sexual-camp", V, "Sexual violence",
         "Armed men raped three women near a displacement camp outside El Geneina, a local aid group said."),
    case("sexual-militia", V, "Sexual violence",
         "CODECO militiamen sexually assaulted several women in a village near Bunia, the UN mission said."),
    case("sexual-soldiers", V, "Sexual violence",
         "Soldiers raped two women at a checkpoint outside Bunia, a rights group said."),
    case("sexual-raid", V, "Sexual violence",
         "RSF fighters raped at least five women during a raid on a village near Nyala, survivors said."),
    case("attack-farmers", V, "Attack",
         "Gunmen killed five farmers in their fields near Maiduguri on Wednesday, residents said."),
    case("attack-jihadists", V, "Attack",
         "Suspected jihadists shot dead eight villagers in Djibo in northern Burkina Faso, "
         "security sources said."),
    case("attack-machetes", V, "Attack",
         "ADF rebels killed twelve civilians with machetes in a village near Beni overnight, "
         "local officials said."),
    case("attack-burned-homes", V, "Attack",
         "RSF fighters burned homes and shot dead at least ten civilians in a village near El Geneina, "
         "witnesses said."),
    case("attack-stormed", V, "Attack",
         "Militiamen stormed a village near Bunia and killed 14 civilians, including children, the UN said."),
    case("attack-chief", V, "Attack",
         "Unknown gunmen shot dead a local chief in his home in Mogadishu, police said."),
    case("attack-hacked", V, "Attack",
         "ADF rebels hacked to death twelve civilians in a village near Beni overnight, local officials said."),
    case("abduction-aid-workers", V, "Abduction/forced disappearance",
         "Al-Shabaab militants kidnapped three aid workers near Beledweyne, officials said."),
    case("abduction-firewood", V, "Abduction/forced disappearance",
         "Boko Haram militants abducted six women collecting firewood near Maiduguri, a militia leader said."),
    case("abduction-priest", V, "Abduction/forced disappearance",
         "Armed bandits kidnapped a Catholic priest from his parish near Kaduna on Sunday, the church said."),
    case("abduction-students", V, "Abduction/forced disappearance",
         "Gunmen abducted twenty students from a school in Kaduna on Tuesday, police said."),
    # Protests
    case("peaceful-teachers", P, "Peaceful protest",
         "Hundreds of teachers marched through Nairobi on Monday to demand higher pay.",
         actor1="Protesters (Kenya)"),
    case("peaceful-fuel", P, "Peaceful protest",
         "Thousands of opposition supporters rallied in Lahore on Friday against rising fuel prices.",
         actor1="Protesters (Pakistan)"),
    case("peaceful-shelters", P, "Peaceful protest",
         "Residents of Kharkiv held a demonstration outside the city council to demand more bomb shelters.",
         actor1="Protesters (Ukraine)"),
    case("peaceful-women", P, "Peaceful protest",
         "Thousands of women marched in Khartoum on Saturday to call for an end to the war.",
         actor1="Protesters (Sudan)"),
    case("intervention-arrested", P, "Protest with intervention",
         "Police arrested dozens of protesters at a rally in Lahore demanding the release of opposition leaders.",
         actor1="Protesters (Pakistan)"),
    case("intervention-dispersed", P, "Protest with intervention",
         "Hundreds of protesters marched in Nairobi against new taxes before police dispersed them with tear gas.",
         actor1="Protesters (Kenya)"),
    case("intervention-detained", P, "Protest with intervention",
         "Opposition supporters protested in Lahore on Friday, and police detained dozens of them.",
         actor1="Protesters (Pakistan)"),
    case("intervention-police-named", P, "Protest with intervention",
         "Protesters gathered outside parliament in Nairobi on Tuesday and were dispersed by police with "
         "tear gas.",
         actor1="Protesters (Kenya)", actor2="Police Forces of Kenya"),
    case("intervention-batons", P, "Protest with intervention",
         "Police in Dhaka used tear gas and batons to disperse students protesting against job quotas.",
         actor1="Protesters (Bangladesh)", actor2="Police Forces of Bangladesh"),
    case("intervention-arrested-after", P, "Protest with intervention",
         "Hundreds of students demonstrated in Dakar against the postponement of the election, and police "
         "arrested 30 of them.",
         actor1="Protesters (Senegal)"),
    case("intervention-water-cannon", P, "Protest with intervention",
         "Riot police used water cannon to break up a protest by opposition supporters in Lahore.",
         actor1="Protesters (Pakistan)"),
    case("intervention-tear-gas", P, "Protest with intervention",
         "Kenyan police fired tear gas at hundreds of protesters demonstrating against new taxes in Nairobi.",
         actor1="Protesters (Kenya)", actor2="Police Forces of Kenya"),
    case("excessive-batons", P, "Excessive force against protesters",
         "Protesters staged a peaceful sit-in in Lahore on Friday, and police beat them with batons, "
         "seriously injuring a dozen, witnesses said.",
         actor1="Protesters (Pakistan)"),
    case("excessive-live-fire", P, "Excessive force against protesters",
         "Thousands of people marched peacefully in Kampala on Monday until the police opened fire with "
         "live ammunition, killing four demonstrators.",
         actor1="Protesters (Uganda)", actor2="Police Forces of Uganda"),
    case("excessive-until-live-rounds", P, "Excessive force against protesters",
         "Hundreds of people marched peacefully in Khartoum against military rule until security forces fired "
         "live rounds, killing three of them, doctors said.",
         actor1="Protesters (Sudan)"),
    case("excessive-shot-dead", P, "Excessive force against protesters",
         "Police shot dead two demonstrators during a peaceful march in Nairobi on Tuesday, rights groups said.",
         actor1="Protesters (Kenya)"),
    # Riots
    case("violent-demo-stones", R, "Violent demonstration",
         "Protesters in Nairobi threw stones at police and set tyres on fire during demonstrations over "
         "fuel prices.",
         actor1="Rioters (Kenya)"),
    case("violent-demo-torched", R, "Violent demonstration",
         "Demonstrators torched vehicles and attacked a police station in Lahore after the arrest of their leader.",
         actor1="Rioters (Pakistan)"),
    case("violent-demo-arson", R, "Violent demonstration",
         "Protesters in Dakar set fire to a government building and threw stones at police, officials said.",
         actor1="Rioters (Senegal)"),
    case("violent-demo-rioting-students", R, "Violent demonstration",
         "Rioting students set fire to a government building in Dakar and clashed with police, officials said.",
         actor1="Rioters (Senegal)"),
    case("violent-demo-burning-tyres", R, "Violent demonstration",
         "Angry youths blocked roads with burning tyres and pelted police with stones in Nairobi after a "
         "disputed election result.",
         actor1="Rioters (Kenya)"),
    case("mob-blasphemy", R, "Mob violence",
         "A mob lynched a man accused of blasphemy in a village near Lahore on Sunday, police said.",
         actor1="Rioters (Pakistan)", actor2="Civilians (Pakistan)"),
    case("mob-thief", R, "Mob violence",
         "An angry mob beat to death a suspected thief at a market in Maiduguri, witnesses said.",
         actor1="Rioters (Nigeria)", actor2="Civilians (Nigeria)"),
    case("mob-witchcraft", R, "Mob violence",
         "A mob burned to death two men accused of witchcraft in a village near Kisii, police said.",
         actor1="Rioters (Kenya)", actor2="Civilians (Kenya)"),
    case("mob-cattle", R, "Mob violence",
         "A mob beat a man to death in a village near Patna after accusing him of stealing cattle, police said.",
         actor1="Rioters (India)", actor2="Civilians (India)"),
    case("mob-set-upon", R, "Mob violence",
         "Villagers set upon two men accused of witchcraft near Kisii and burned them to death, police said.",
         actor1="Rioters (Kenya)", actor2="Civilians (Kenya)"),
    case("mob-homes-burned", R, "Mob violence",
         "A crowd set fire to the homes of Christian families in a village near Lahore after rumours of "
         "blasphemy, police said.",
         actor1="Rioters (Pakistan)", actor2="Civilians (Pakistan)"),
    # Strategic developments
    case("agreement-ceasefire", S, "Agreement",
         "The Sudanese army and the RSF agreed to a seven-day ceasefire in Khartoum, mediators said."),
    case("agreement-prisoners", S, "Agreement",
         "Russia and Ukraine exchanged 90 prisoners of war on Friday under a deal brokered by the "
         "United Arab Emirates."),
    case("agreement-peace-deal", S, "Agreement",
         "The government of Mali signed a peace agreement with Tuareg rebel groups in Algiers on Thursday."),
    case("agreement-mediated-swap", S, "Agreement",
         "Armenia and Azerbaijan exchanged prisoners of war on Friday under a deal mediated by the "
         "European Union."),
    case("agreement-truce", S, "Agreement",
         "Ethiopia's government and Tigrayan leaders signed a truce in Pretoria on Wednesday."),
    case("arrests-leader", S, "Arrests",
         "Police in Lahore arrested a senior opposition leader on Tuesday on charges of inciting violence."),
    case("arrests-activists", S, "Arrests",
         "Kenyan police detained five human rights activists in Nairobi ahead of planned protests."),
    case("arrests-informant", S, "Arrests",
         "Ukraine's security service detained a man in Kharkiv suspected of passing information to Russian forces."),
    case("arrests-journalist", S, "Arrests",
         "Security forces arrested a prominent journalist in Khartoum on Sunday, his family said."),
    case("arrests-former-pm", S, "Arrests",
         "Pakistani authorities arrested former prime minister Imran Khan in Islamabad on Tuesday."),
    case("change-merged", S, "Change to group/activity",
         "Several armed groups in Idlib province announced that they had merged into a single coalition."),
    case("change-formed", S, "Change to group/activity",
         "Local militia leaders in Ituri announced that they had formed a new armed group to defend their "
         "villages."),
    case("change-defected", S, "Change to group/activity",
         "Some 40 Taliban fighters defected to the government in Kandahar province, officials said."),
    case("change-split", S, "Change to group/activity",
         "A faction of the Fulani militia split from the main group in the town of Djibo, local sources said."),
    case("change-merger", S, "Change to group/activity",
         "Two rival jihadist factions in Idlib province announced a merger on Sunday, forming a new group."),
    case("change-formation", S, "Change to group/activity",
         "Militia leaders in Ituri announced the formation of a new armed group to defend local villages."),
    case("disrupted-intercepted", S, "Disrupted weapons use",
         "Ukrainian air defences shot down 20 Russian drones over the Kharkiv region overnight, "
         "the air force said."),
    case("disrupted-defused", S, "Disrupted weapons use",
         "Police defused a bomb planted near a mosque in Lahore on Monday, officials said."),
    case("disrupted-cache-raid", S, "Disrupted weapons use",
         "Somali forces seized a large cache of weapons and explosives in a raid near Mogadishu, officials said."),
    case("disrupted-cache", S, "Disrupted weapons use",
         "Nigerian troops seized a cache of weapons and ammunition near Maiduguri, the army said."),
    case("disrupted-unexploded-shell", S, "Disrupted weapons use",
         "Bomb disposal experts safely detonated an unexploded artillery shell found in a school yard in "
         "Kharkiv, officials said."),
    case("disrupted-quantity", S, "Disrupted weapons use",
         "Nigerian troops seized a large quantity of weapons and ammunition near Maiduguri, the army said."),
    case("disrupted-landmines-cleared", S, "Disrupted weapons use",
         "Sappers cleared more than 200 landmines from farmland near Izium, officials said."),
    case("base-militants", S, "Headquarters or base established",
         "Al-Shabaab militants set up a base in the village of Bulo Burte, residents said."),
    case("base-army", S, "Headquarters or base established",
         "The Nigerian army established a new forward operating base in Gwoza, a military spokesman said."),
    case("base-hospital", S, "Headquarters or base established",
         "RSF fighters set up their headquarters in a hospital in El Fasher, residents said."),
    case("looting-homes", S, "Looting/property destruction",
         "RSF fighters looted shops and homes in the town of El Fasher, residents said."),
    case("looting-school", S, "Looting/property destruction",
         "Armed men burned down an empty school and looted a health centre near Bunia, the UN mission said."),
    case("looting-soldiers", S, "Looting/property destruction",
         "Soldiers looted shops in the market of Nyala, residents said."),
    case("looting-mast", S, "Looting/property destruction",
         "Al-Shabaab militants destroyed a telecommunications mast near Baidoa, officials said."),
    case("looting-bridge", S, "Looting/property destruction",
         "Retreating Russian troops blew up a bridge over the river near Kherson, officials said."),
    case("transfer-withdrew", S, "Non-violent transfer of territory",
         "Government troops withdrew from the town of Ber in northern Mali, handing over their base to the rebels."),
    case("transfer-no-fight", S, "Non-violent transfer of territory",
         "Al-Shabaab fighters took control of Mahas without a fight after Ethiopian troops withdrew, "
         "residents said."),
    case("transfer-peacekeepers", S, "Non-violent transfer of territory",
         "UN peacekeepers handed over the town of Ber to the Malian army on Tuesday."),
    case("transfer-handed-control", S, "Non-violent transfer of territory",
         "Russian forces handed over control of the town of Tal Rifaat to Syrian government troops, "
         "state media said."),
    case("transfer-entered-no-fight", S, "Non-violent transfer of territory",
         "Al-Shabaab fighters entered the town of Mahas without a fight after Ethiopian troops pulled out, "
         "residents said."),
    case("transfer-withdrawal-handed", S, "Non-violent transfer of territory",
         "French troops completed their withdrawal from their base in Gao and handed it over to the Malian army."),
    case("transfer-camp", S, "Non-violent transfer of territory",
         "UN peacekeepers handed over their camp in Kidal to the Malian army on Tuesday."),
    case("other-grave-discovered", S, "Other",
         "Investigators discovered a mass grave containing at least 30 bodies near Izium, local officials said."),
    case("other-grave-found", S, "Other",
         "A mass grave with the bodies of 30 people was found near Izium, local officials said."),
]


@pytest.mark.parametrize(("text", "event_type", "sub", "actor1", "actor2"), CASES)
def test_each_sub_event_type(pipeline, text: str, event_type: str, sub: str, actor1: str | None,
                             actor2: str | None) -> None:
    found = mentions(pipeline, text)
    assert types(found) == {(event_type, sub)}, [(m.sub_event_type, m.evidence.text) for m in found]
    for m in found:
        if actor1 is not None:
            assert m.actor1 == actor1
        if actor2 is not None:
            assert m.actor2 is not None and m.actor2.startswith(actor2), m.actor2


# Two sentences on one topic that only the words the rules read tell apart.
PAIRS = [
    pytest.param(
        "Hundreds of people protested peacefully in Lahore against the arrest of an opposition leader.",
        (P, "Peaceful protest"),
        "Police arrested twenty protesters at a rally in Lahore on Saturday.",
        (P, "Protest with intervention"),
        id="protest-against-arrest|protesters-arrested"),
    pytest.param(
        "Ukrainian air defences shot down 15 Russian drones over Kharkiv overnight, officials said.",
        (S, "Disrupted weapons use"),
        "Russian drones struck an apartment block in Kharkiv overnight, wounding five people, officials said.",
        (E, "Air/drone strike"),
        id="drones-shot-down|drones-struck"),
    pytest.param(
        "Nigerian troops seized a cache of weapons and ammunition near Maiduguri, the army said.",
        (S, "Disrupted weapons use"),
        "Boko Haram insurgents seized the town of Marte after a fierce battle with Nigerian troops, "
        "security sources said.",
        (B, "Non-state actor overtakes territory"),
        id="seized-weapons|seized-town"),
    pytest.param(
        "Boko Haram insurgents took control of Marte without a fight after Nigerian troops withdrew, "
        "security sources said.",
        (S, "Non-violent transfer of territory"),
        "Boko Haram insurgents seized the town of Marte after a fierce battle with Nigerian troops, "
        "security sources said.",
        (B, "Non-state actor overtakes territory"),
        id="without-a-fight|after-a-battle"),
    pytest.param(
        "Police arrested six activists in Nairobi on Monday, a rights group said.",
        (S, "Arrests"),
        "Al-Shabaab militants detained six villagers near Baidoa on Monday, residents said.",
        (V, "Abduction/forced disappearance"),
        id="police-arrested-activists|militants-detained-villagers"),
    pytest.param(
        "The army and the RSF agreed to a ceasefire in Khartoum after weeks of fighting, mediators said.",
        (S, "Agreement"),
        "The army and the RSF clashed in Khartoum despite the ceasefire, residents said.",
        (B, "Armed clash"),
        id="ceasefire-agreed|clash-despite-ceasefire"),
    pytest.param(
        "Villagers lynched a man accused of theft near Maiduguri, police said.",
        (R, "Mob violence"),
        "Gunmen killed a man in a village near Maiduguri, police said.",
        (V, "Attack"),
        id="villagers-lynched|gunmen-killed"),
]


@pytest.mark.parametrize(("text_a", "expected_a", "text_b", "expected_b"), PAIRS)
def test_easily_confused_sub_types_stay_apart(pipeline, text_a: str, expected_a: tuple[str, str],
                                              text_b: str, expected_b: tuple[str, str]) -> None:
    assert types(mentions(pipeline, text_a)) == {expected_a}
    assert types(mentions(pipeline, text_b)) == {expected_b}


def test_the_lynching_victim_is_a_civilian_of_the_country(pipeline) -> None:
    found = mentions(pipeline, "Villagers lynched a man accused of theft near Maiduguri, police said.")
    assert [(m.actor1, m.actor2) for m in found] == [("Rioters (Nigeria)", "Civilians (Nigeria)")]


def test_every_sub_event_type_has_two_sentences() -> None:
    """The cases cover ACLED's taxonomy as the store reads it, two sentences a sub-type at least
    ("Other" included: a mass grave found)."""
    taxonomy = json.loads((Path(acled.__file__).parent / "acled_types.json").read_text(encoding="utf-8"))
    wanted = {(t["name"], sub) for t in taxonomy["event_types"] for sub in t["sub_event_types"]}
    counts = Counter((p.values[1], p.values[2]) for p in CASES)
    assert set(counts) <= wanted
    assert {pair for pair in wanted if counts[pair] < 2} == set()
