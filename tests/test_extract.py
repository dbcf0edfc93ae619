"""Extraction on real sentences: what is an event, where, when, who, and how many.

Sentences are quoted from the seed articles and cluster A (real reports), or follow real
report wording from other wars; each test names the behaviour a coder would expect.
"""

from __future__ import annotations

from datetime import date

import pytest

from warwatch.models import Article


def mentions(pipeline, text: str, published: str = "2018-09-09"):
    return pipeline.process(Article(text=text, title="", published=date.fromisoformat(published)))


def places(found) -> list[str]:
    return [m.toponym.text for m in found]


def test_one_event_per_place(pipeline):
    found = mentions(
        pipeline,
        "Residents and rescuers said Syrian army helicopters dropped barrel bombs on al-Habeet "
        "and Abdin villages in southern Idlib on Sunday.",
    )
    assert places(found) == ["al-Habeet", "Abdin"]
    for m in found:
        assert m.event_type == "Explosions/Remote violence"
        assert m.sub_event_type == "Air/drone strike"
        assert m.weapon == "barrel bomb"
        assert m.actor1 == "Military Forces of Syria (2000-)"
        assert m.event_date == date(2018, 9, 9)
        assert "Idlib" in m.toponym.context
    habeet = found[0].place
    assert habeet.located and abs(habeet.lat - 35.439) < 0.05 and abs(habeet.lon - 36.538) < 0.05


def test_attributed_actor_is_marked(pipeline):
    found = mentions(
        pipeline,
        "Russian jets were believed to have hit the nearby towns of Latamneh and Kafr Zeita "
        "in northern Hama in a succession of raids.",
    )
    assert places(found) == ["Latamneh", "Kafr Zeita"]
    assert all(m.actor1 == "Military Forces of Russia (2000-)" and m.actor_attributed for m in found)
    found = mentions(
        pipeline,
        "The rebel official said jets believed to be Russian also hit a commanding height "
        "known as Kabaneh in the mountainous province of Latakia.",
        "2019-09-12",
    )
    assert places(found) == ["Kabaneh"]
    assert found[0].actor1.startswith("Military Forces of Russia") and found[0].actor_attributed


@pytest.mark.parametrize(
    "text",
    [
        "Turkey and Western powers have warned of a bloodbath if a major Russian-backed bombing campaign is launched "
        "in the heavily populated town of Maarat al-Numan.",
        "If this happens, its first stage will target northern Latakia province and the area around the town of "
        "Jisr al-Shaghour in southern Idlib, he said.",
        "At least 26 people in rebel-held areas of Saraqeb have been killed since the beginning of the month, "
        "the White Helmets said.",
        "A U.S.-based medical charity said three hospitals and two civil defense centers were bombed in the last two "
        "days in the town of Maarat al-Numan.",
        "The army could shell the village of Kafr Nabl if the rebels refuse the deal.",
        "Artillery shelling that has targeted villages of southern Idlib has not stopped, he said.",
    ],
)
def test_threats_plans_aggregates_and_negations_are_not_events(pipeline, text):
    assert mentions(pipeline, text) == []


def test_denial_is_attached_not_an_event(pipeline):
    text = (
        "Syrian army helicopters dropped barrel bombs on the village of al-Habeet in southern Idlib on Sunday.\n\n"
        "The Syrian army denies using barrel bombs."
    )
    found = mentions(pipeline, text)
    assert places(found) == ["al-Habeet"]
    assert [d.text for d in found[0].denials] == ["The Syrian army denies using barrel bombs."]


def test_place_of_treatment_is_not_where_the_attack_was(pipeline):
    text = (
        "A Syrian man receives treatment at a small hospital in the town of Maaret al-Noman following a suspected "
        "toxic gas attack in Khan Sheikhun, a nearby rebel-held town in Syria's northwestern Idlib province, "
        "on 4 April 2017."
    )
    found = mentions(pipeline, text)
    assert places(found) == ["Khan Sheikhun"]
    # a caption about a past attack keeps its own date: it is not an event of September 2018
    assert found[0].event_date == date(2017, 4, 4)
    assert found[0].sub_event_type == "Chemical weapon"


def test_figures_count_people_not_shells(pipeline):
    text = (
        "According to the White Helmets, the town of Qalaat al-Madiq in northern Hama province was targeted with "
        "more than 150 shells on Saturday.\n\nThe shelling killed two men and wounded five others, including two "
        "children."
    )
    found = mentions(pipeline, text, "2018-09-08")
    assert {m.toponym.text for m in found} == {"Qalaat al-Madiq"}
    assert [m.fatalities for m in found] == [None, 2]
    assert found[1].injuries == 5
    assert found[0].sub_event_type == "Shelling/artillery/missile attack"
    assert found[0].claimant == "Civil Defence (White Helmets)"


@pytest.mark.parametrize(
    ("text", "killed", "injured"),
    [
        (
            "On Friday, rebel shelling killed 10 people, including five children in the town of Maharda, SOHR said.",
            10,
            None,
        ),
        (
            "Government helicopters dropped barrel bombs on the village of Kansafra, killing at least 15 civilians and "
            "injuring dozens, rescuers said.",
            15,
            12,
        ),
        ("A mortar hit the market in the town of Salqin, killing 1-2 people.", 1, None),
        ("Rebel factions shelled the city of Salhab on Saturday; there were no reported casualties.", 0, None),
    ],
)
def test_figures(pipeline, text, killed, injured):
    found = mentions(pipeline, text)
    assert len(found) == 1
    assert (found[0].fatalities, found[0].injuries) == (killed, injured)


def test_dates_resolve_against_publication(pipeline):
    # published Thursday 12 September 2019: "Wednesday" is the 11th
    found = mentions(
        pipeline,
        "Jets flew at high altitudes in the early hours of Wednesday and struck a village "
        "near Kafr Takhareem in western Idlib province.",
        "2019-09-12",
    )
    assert found[0].event_date == date(2019, 9, 11)
    assert found[0].toponym.qualifier == "near"
    assert found[0].place.geo_precision == 2
    # a date inside "after a similar raid on Tuesday" dates the earlier raid, not this strike
    found = mentions(
        pipeline, "Air strikes hit the village of Kabanah on Wednesday after a similar raid on Tuesday.", "2019-09-12"
    )
    assert found[0].event_date == date(2019, 9, 11)


def test_overnight_and_separate_development(pipeline):
    text = (
        "On Friday, rebel shelling killed 10 people in the town of Maharda in western Hama province.\n\n"
        "In a separate development, clashes erupted between Syrian troops and Kurdish security forces known as "
        "Asayesh in the city of Qamishli in northern Hasakah province on Saturday.\n\n"
        "At least 13 members of the government forces were killed and seven Asayesh fighters, according to SOHR."
    )
    found = mentions(pipeline, text, "2018-09-08")
    qamishli = [m for m in found if m.toponym.text == "Qamishli"]
    assert {m.event_date for m in qamishli} == {date(2018, 9, 8)}
    assert qamishli[0].event_type == "Battles" and qamishli[0].sub_event_type == "Armed clash"
    assert qamishli[0].actor1 == "Military Forces of Syria (2000-)"
    assert qamishli[0].actor2.startswith("Asayish")
    assert max(m.fatalities or 0 for m in qamishli) == 20  # 13 + 7, carried by the follow-up sentence


def test_province_report_is_dropped_when_villages_are_named(pipeline):
    text = (
        "Russian and Syrian jets resumed intensive strikes in rebel-held Idlib and Hama on Sunday.\n\n"
        "Syrian army helicopters dropped barrel bombs on the village of al-Habeet in southern Idlib."
    )
    assert places(mentions(pipeline, text)) == ["al-Habeet"]
    alone = mentions(pipeline, "Russian and Syrian jets resumed intensive strikes in rebel-held Idlib on Sunday.")
    assert [(m.toponym.text, m.toponym.qualifier, m.place.geo_precision) for m in alone] == [("Idlib", "region", 3)]


def test_other_wars(pipeline):
    found = mentions(
        pipeline,
        "Russian forces shelled the city of Kharkiv on Monday, killing three civilians, the regional governor said.",
        "2022-05-03",
    )
    assert len(found) == 1
    m = found[0]
    assert m.sub_event_type == "Shelling/artillery/missile attack"
    assert m.actor1.startswith("Military Forces of Russia")
    assert m.fatalities == 3 and m.civilian_targeting
    assert m.place.country == "UA" and abs(m.place.lat - 49.99) < 0.2
    found = mentions(
        pipeline,
        "Al-Shabaab militants attacked a military base in the town of Bulo Burte on Tuesday, killing four soldiers.",
        "2022-03-02",
    )
    assert found and found[0].actor1 == "Al Shabaab" and found[0].fatalities == 4
    assert found[0].place.country == "SO"


def test_month_and_overnight_dates(pipeline):
    found = mentions(pipeline, "Regime forces shelled the town of Kafr Nabl last December, killing four civilians.")
    assert [(m.event_date, m.time_precision) for m in found] == [(date(2017, 12, 1), 3)]
    found = mentions(pipeline, "Russian jets struck the town of Kafr Nabl overnight on Wednesday.", "2019-05-02")
    assert [(m.event_date, m.time_precision) for m in found] == [(date(2019, 5, 1), 1)]
    found = mentions(pipeline, "Syrian army helicopters bombed the village of Hass yesterday.", "2018-09-09")
    assert found[0].event_date == date(2018, 9, 8)


def test_protests_are_sub_typed(pipeline):
    found = mentions(pipeline, "Police fired tear gas to disperse hundreds of protesters in the city of Sweida on "
                               "Sunday.", "2023-08-28")
    assert [(m.event_type, m.sub_event_type) for m in found] == [("Protests", "Protest with intervention")]


def test_rejecting_a_ceasefire_call_is_not_a_denial_and_its_subject_is_not_the_attacker(pipeline):
    # Al Jazeera, 8 September 2018: the actor comes from the lede, not from "Russia rejected ..."
    text = (
        "Syrian government forces backed by their Russian allies have stepped up their bombardment of "
        "rebel-held territories in northwest Syria, killing at least six civilians.\n\n"
        "The air raids and shelling on Saturday came a day after Russia rejected a Turkish call for a "
        "ceasefire in Syria’s Idlib province, where a major government assault aimed at recapturing the "
        "last rebel stronghold in the country is seemingly imminent.\n\n"
        "One hospital in the village of Hass in southern Idlib was destroyed by a barrel bomb dropped "
        "from a helicopter."
    )
    found = mentions(pipeline, text, "2018-09-08")
    assert places(found) == ["Hass"]
    assert found[0].actor1 == "Military Forces of Syria (2000-)"
    assert found[0].denials == []


def test_a_denial_is_what_the_verb_denies(pipeline):
    text = (
        "Russian jets struck the town of Ariha in Idlib on Monday, killing four people, activists said.\n\n"
        "Moscow denied conducting the strikes."
    )
    found = mentions(pipeline, text, "2019-05-07")
    assert places(found) == ["Ariha"]
    assert [d.text for d in found[0].denials] == ["Moscow denied conducting the strikes."]


def test_named_groups_give_the_story_its_country(pipeline):
    # ACLED-style note: nothing names Pakistan, but the TTP fights there, and Wana is in it
    found = mentions(
        pipeline,
        "On 27 April 2022, TTP militants (assumed) fired at an off-duty policeman in a targeted attack at "
        "Wana town (South Waziristan district, KP). He was killed in the attack.",
        "2022-04-27",
    )
    assert [m.actor1 for m in found] == ["TTP: Tehreek-i-Taliban Pakistan"]
    assert found[0].place.located and found[0].place.country == "PK"


def test_a_neighbourhood_is_a_detail_of_the_event_not_an_event(pipeline):
    found = mentions(
        pipeline,
        "On 28 January 2022, in Caucaia (Ceara), a shoot-out between members of rival drug trafficking groups "
        "took place in the Arianopolis neighborhood. One person was killed.",
        "2022-01-28",
    )
    # the second sentence gives the toll of the same event (one in-article group at one place)
    assert set(places(found)) == {"Caucaia"}
    assert [m.fatalities for m in found if m.fatalities] == [1]


def test_a_repelled_offensive_is_a_battle_of_the_side_that_attacked(pipeline):
    found = mentions(
        pipeline,
        "On 25 June 2022, Russian forces engaged in an offensive in the direction of Marinka, Donetsk, "
        "but were repelled by Ukrainian forces. Casualties unknown.",
        "2022-06-25",
    )
    assert [(m.event_type, m.sub_event_type) for m in found] == [("Battles", "Armed clash")]
    assert found[0].actor1.startswith("Military Forces of Russia")
    assert found[0].place.country == "UA"
    found = mentions(
        pipeline,
        "On 5 May 2022, battles between Ukrainian and Russian forces continued near Kharkiv.",
        "2022-05-05",
    )
    assert [(m.sub_event_type, m.toponym.text, m.toponym.qualifier) for m in found] == [
        ("Armed clash", "Kharkiv", "near")
    ]


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        # OSCE-style notes: launchers alone are shelling; with small arms at an armed enemy, a clash
        (
            "On 6 May 2020, the Ukrainian Forces fired grenade launchers at the positions of the Donbass "
            "People's Militia in the area of Verkhnyoshyrokivske, Donetsk.",
            ("Explosions/Remote violence", "Shelling/artillery/missile attack"),
        ),
        (
            "On 7 May 2020, the NAF rebel forces fired grenade launchers, heavy machine guns and small arms at "
            "the governmental positions near Avdiivka, Donetsk.",
            ("Battles", "Armed clash"),
        ),
        # soldiers who kill are perpetrators, not a side in a battle; an off-duty soldier is a civilian
        (
            "On 6 May 2020, FARDC soldiers killed a man and wounded another in Rubaya (Masisi, Nord-Kivu).",
            ("Violence against civilians", "Attack"),
        ),
        (
            "On 3 May 2020, Al shabaab militants shot and killed a Govt soldier (off-duty) in Baidoa town "
            "(Baydhaba, Bay).",
            ("Violence against civilians", "Attack"),
        ),
    ],
)
def test_acled_sub_event_rules(pipeline, text, kind):
    found = mentions(pipeline, text, "2020-05-09")
    assert found and {(m.event_type, m.sub_event_type) for m in found} == {kind}


def test_the_target_is_not_the_attacker(pipeline):
    text = "On 5 May 2020, a hand grenade was thrown at a police checkpoint in Mogadishu."
    found = mentions(pipeline, text, "2020-05-09")
    assert [(m.sub_event_type, m.actor1) for m in found] == [("Grenade", None)]


def test_the_unit_a_village_lies_in_is_context_not_a_second_event(pipeline):
    found = mentions(
        pipeline,
        "On 5 May 2020, suspected Dozo militiamen attacked the village of Djongue-Ouro, Fakala Commune "
        "(Djenne, Mopti), killed at least seventeen members of the Fulani community, burned houses, and "
        "killed livestock.",
        "2020-05-09",
    )
    assert [(m.toponym.text, m.fatalities) for m in found] == [("Djongue-Ouro", 17)]
    found = mentions(
        pipeline,
        "On 4 May 2020, two Saudi-led coalition air raids were reported on Majzar district (Marib).",
        "2020-05-09",
    )
    assert [m.toponym.text for m in found] == ["Majzar"]


def test_a_denial_naming_a_place_goes_to_that_event_only(pipeline):
    text = (
        "Shells fired by Afghan forces hit Manogay in Kunar on Monday, killing two people. "
        "Gunmen attacked Kandlay on Sunday, killing three. "
        "Afghan security forces denied carrying out the attack on Kandlay."
    )
    found = {m.toponym.text: m for m in mentions(pipeline, text, "2021-02-08")}
    assert found["Kandlay"].denials and not found["Manogay"].denials
    assert found["Manogay"].sub_event_type == "Shelling/artillery/missile attack"


def test_wire_datelines_sources_and_war_totals_are_not_the_story(pipeline):
    text = (
        "BEIRUT (Agence France-Presse) - Rebels shelled the town of Suqaylabiyah on Tuesday, killing four "
        "civilians, police said. The war has killed hundreds of thousands of people."
    )
    found = mentions(pipeline, text, "2021-02-10")
    assert [(m.toponym.text, m.actor1, m.actor2, m.fatalities) for m in found] == [
        ("Suqaylabiyah", "Rebel Forces (Syria)", "Civilians (Syria)", 4)
    ]


@pytest.mark.parametrize(
    ("sentence", "place"),
    [
        ("Gunmen killed two villagers in Qal'ah-ye Zal district of Kunduz on Monday.", "Qal'ah-ye Zal"),
        ("Gunmen killed two villagers in the village of Darabad-e Pa'in in Farah on Monday.", "Darabad-e Pa'in"),
    ],
)
def test_persian_names_with_ezafe_stay_whole(pipeline, sentence, place):
    found = mentions(pipeline, sentence, "2021-02-09")
    assert [m.toponym.text for m in found] == [place]
    assert found[0].place.located and found[0].place.country == "AF"


def test_acronyms_and_headline_attributions_are_not_places(pipeline):
    found = mentions(pipeline, "Gunmen shot dead a prayer leader and an ANA official in Farah on Sunday.", "2018-07-16")
    assert [m.toponym.text for m in found] == ["Farah"]
    found = mentions(
        pipeline, "Rebel Forces 'Attack Army Battalion in North Darfur' - Spokesman\n\nNothing else.", "2014-01-05"
    )
    assert all("Spokesman" not in m.toponym.text for m in found)


def test_a_village_the_gazetteer_lacks_is_coded_to_its_district_seat(pipeline):
    # ACLED codes "Prom area of Panjgur district" to Panjgur at geo_precision 2; the text stays
    found = mentions(
        pipeline,
        "On 28 April 2020, Pakistan military during an operation encountered BLF militants in Prom area of "
        "Panjgur district (Balochistan) in which four militants were killed.",
        "2020-05-09",
    )
    assert [(m.toponym.text, m.place.text, m.place.geo_precision) for m in found] == [("Prom", "Prom", 2)]
    assert abs(found[0].place.lat - 26.97) < 0.1 and abs(found[0].place.lon - 64.09) < 0.1


def test_observed_explosions_near_a_village_are_shelling_there(pipeline):
    # OSCE monitors' daily counts: one event at the place, not an aggregate
    found = mentions(
        pipeline,
        "On 2 May 2020, the OSCE SMM observed a total of 8 explosions involving unknown weapons near Viktorivka, "
        "Luhansk.",
        "2020-05-09",
    )
    assert [(m.toponym.text, m.sub_event_type, m.place.geo_precision) for m in found] == [
        ("Viktorivka", "Shelling/artillery/missile attack", 2)
    ]


def test_a_province_after_in_gives_the_story_its_country(pipeline):
    # "Karak" is also a Jordanian governorate; "in Dar'a" says the story is Syrian
    found = mentions(
        pipeline,
        "On 8 May 2020, an IED planted by an unidentified armed group in Karak area in Dar'a detonated "
        "targeting the vehicle of a regime soldier. Neither fatalities nor injuries were reported.",
        "2020-05-08",
    )
    assert [(m.place.name, m.place.country, m.place.admin1) for m in found] == [("Al Karak", "SY", "Dara")]


def test_a_city_outweighs_a_foreign_province_of_its_name(pipeline):
    # "Gaza" is also a province of Mozambique; Hamas fights in Palestine
    found = mentions(
        pipeline,
        "On 30 April 2020, Israeli military forces shelled a Hamas military post in the Shujaiya "
        "neighbourhood of Gaza city. No casualties were reported.",
        "2020-04-30",
    )
    assert found and found[0].place.country == "PS"


@pytest.mark.parametrize(("text", "country"), [
    ("On 3 May 2020, GNA forces targeted LNA positions with heavy artillery in Wadi al-Rabi. No casualties.",
     "LY"),
    ("Around 1 May 2020, Dan Na Ambassagou militiamen killed a Fulani man in the commune of Sokoura.", "ML"),
])
def test_groups_that_fight_in_one_country_outvote_a_village_name(pipeline, text, country):
    # the village names are found in the gazetteer of another country only (Sudan, Côte d'Ivoire)
    assert pipeline._extract(Article(text=text), pipeline.nlp(text)).iso2 == country
    assert all(not m.place.located or m.place.country == country for m in mentions(pipeline, text, "2020-05-03"))


def test_a_district_is_coded_to_its_seat_not_to_the_province_of_its_name(pipeline):
    found = mentions(
        pipeline,
        "On 29 April 2020, Afghan forces shelled and destroyed a mosque and a school in Balkh district.",
        "2020-04-30",
    )
    assert [(m.toponym.qualifier, m.place.name, m.place.geo_precision) for m in found] == [
        ("district", "Balkh", 2)]
    assert abs(found[0].place.lat - 36.76) < 0.05  # Balkh town, not Mazar-i-Sharif
    # "district of X" after a district's name is its province: "Duhok" stays context
    found = mentions(
        pipeline,
        "On 22 May 2022, Turkish warplanes struck PKK militants in Gire Orte area in Al Amadiya district of "
        "Duhok. Casualties unknown.",
        "2022-05-22",
    )
    assert found and found[0].place.country == "IQ" and found[0].place.admin1 == "Duhok"


def test_rural_damascus_is_the_governorate_not_the_capital(pipeline):
    found = mentions(
        pipeline,
        "On 9 March 2022, a landmine exploded near Tanf in rural Damascus, injuring a man.",
        "2022-03-09",
    )
    assert [(m.place.name, m.place.admin1) for m in found] == [("At Tanf", "Rural Damascus")]


@pytest.mark.parametrize(("text", "country", "admin1"), [
    # a province of four countries, and nothing else names one: any of them may hold the town
    ("On 8 May 2020, in Manaus, Amazonas, eight armed men exchanged fire with military police during a patrol.",
     "BR", "Amazonas"),
    # a Brazilian state that is also a Mexican city of 300,000: it names no country on its own
    ("On 8 May 2020, in Joinville, Santa Catarina, an inmate was stabbed to death by four inmates.",
     "BR", "Santa Catarina"),
])
def test_a_province_of_several_countries_does_not_pick_one_by_chance(pipeline, text, country, admin1):
    found = mentions(pipeline, text, "2020-05-08")
    assert found and (found[0].place.country, found[0].place.admin1) == (country, admin1)


def test_a_town_with_its_bracketed_province_is_not_a_foreign_province(pipeline):
    # Puntarenas is a Costa Rican province; "Punta Arenas (Bolivar)" is a Colombian village the
    # gazetteer lacks: unlocated, never in Costa Rica
    found = mentions(
        pipeline,
        "On 30 May 2022, in Punta Arenas (Bolivar), unidentified armed individuals shot and killed a man.",
        "2022-05-30",
    )
    assert found and all(m.place.country != "CR" for m in found)
    assert found[0].toponym.qualifier is None  # a town, not a province
