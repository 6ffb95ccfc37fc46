"""The data package checked against the documents it was transcribed from.

Each expected value below names its source (the BibTeX key in book/sources.bib and where in the
document); published totals are checked against their published parts. Figures the fact sheet
marks NOT FOUND must stay absent rather than be filled in.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pandas as pd
import pytest

from analysis import datasets

BOOK = Path(__file__).resolve().parents[1] / "book"


def _one(table: pd.DataFrame, column: str, **where: object) -> object:
    """The single value of `column` in the row matching every `where` condition."""
    mask = pd.Series(True, index=table.index)
    for key, value in where.items():
        mask &= table[key] == value
    rows = table.loc[mask, column]
    assert len(rows) == 1, (where, len(rows))
    return rows.iloc[0]


@pytest.fixture(scope="module")
def data() -> dict[str, pd.DataFrame]:
    """Every dataset, loaded (and so validated) once."""
    return {name: datasets.load(name) for name in datasets.list_datasets()}


# --- the descriptor and the bibliography ----------------------------------------------------------


def test_descriptor_hash_and_size_match_each_file():
    for name in datasets.list_datasets():
        entry = datasets.resource(name)
        content = datasets.csv_path(name).read_bytes()
        assert entry["hash"] == "sha256:" + hashlib.sha256(content).hexdigest(), name
        assert entry["bytes"] == len(content), name


def test_every_resource_documents_sources_caveats_and_licence():
    for name in datasets.list_datasets():
        entry = datasets.resource(name)
        for key in ("title", "description", "licenses", "caveats", "sources"):
            assert entry[key], (name, key)
        assert entry["format"] == "csv" and entry["encoding"] == "utf-8"
        for source in entry["sources"]:
            assert {"id", "title", "path", "publisher", "table", "vintage", "secondary"} <= set(
                source
            ), (name, source)
            assert source["path"].startswith("http"), (name, source["id"])


def test_every_source_id_is_described_and_in_a_bibliography(data):
    bib_keys = set()
    for bib in ("sources.bib", "references.bib"):
        bib_keys |= set(re.findall(r"^@\w+\{([^,\s]+),", (BOOK / bib).read_text("utf-8"), re.M))
    for name, table in data.items():
        described = {source["id"]: source for source in datasets.resource(name)["sources"]}
        assert set(described) <= bib_keys, (name, set(described) - bib_keys)
        if "source_id" not in table:
            continue
        assert set(table["source_id"]) == set(described), name
        if "secondary" in table:
            # A row is flagged secondary exactly when its source document was a secondary copy.
            flags = table["source_id"].map({key: s["secondary"] for key, s in described.items()})
            assert (table["secondary"] == flags).all(), name


def test_sources_bib_has_unique_keys_and_urls():
    text = (BOOK / "sources.bib").read_text("utf-8")
    keys = re.findall(r"^@misc\{([^,]+),", text, re.M)
    assert len(keys) == len(set(keys))
    assert text.count("  url ") == len(keys)
    assert "nchs2018drugpoisoning" in keys and "fbi2019cius" in keys and "mdph2020feb" in keys


def test_sources_bib_fields_are_valid_latex():
    # A bare '%' (a LaTeX comment) or an unbalanced brace breaks the bibliography at build time.
    from pybtex.database import parse_file
    from pybtex.richtext import Text

    for key, entry in parse_file(BOOK / "sources.bib").entries.items():
        for name, value in entry.fields.items():
            Text.from_latex(value)  # raises on unbalanced braces
            assert re.search(r"(?<!\\)%", value) is None or name == "url", (key, name)


# --- NCHS drug-poisoning mortality (nchs2018drugpoisoning, data.cdc.gov jx6g-fdh6) ----------------


def test_nchs_values(data):
    nchs = data["nchs_overdose_mortality"]
    ma = nchs[(nchs["geography"] == "Massachusetts") & (nchs["year"] == 2016)].iloc[0]
    # NCHS, Massachusetts, All Races-All Origins, 2016: 2,227 deaths, population 6,811,779,
    # crude 32.69, age-adjusted 32.99 (31.59-34.39).
    assert (ma["deaths"], ma["population"]) == (2227, 6811779)
    assert (ma["crude_rate_per_100k"], ma["aa_rate_per_100k"]) == (32.69, 32.99)
    assert (ma["aa_lower_95"], ma["aa_upper_95"]) == (31.59, 34.39)
    us = dict(geography="United States", year=2016)
    assert _one(nchs, "deaths", race_ethnicity="All Races-All Origins", **us) == 63632
    assert _one(nchs, "aa_rate_per_100k", race_ethnicity="All Races-All Origins", **us) == 19.79
    assert _one(nchs, "deaths", race_ethnicity="Non-Hispanic White", **us) == 49457
    assert _one(nchs, "aa_rate_per_100k", race_ethnicity="Non-Hispanic Black", **us) == 17.08
    assert _one(nchs, "deaths", race_ethnicity="Hispanic", **us) == 5230
    assert _one(nchs, "deaths", geography="Massachusetts", year=1999) == 488


def test_nchs_is_complete_and_internally_consistent(data):
    nchs = data["nchs_overdose_mortality"]
    for _, group in nchs.groupby(["geography", "race_ethnicity"]):
        assert sorted(group["year"]) == list(range(1999, 2017))
    assert len(nchs) == 5 * 18
    crude = 100_000 * nchs["deaths"].astype(float) / nchs["population"].astype(float)
    assert (crude - nchs["crude_rate_per_100k"]).abs().max() < 0.006  # published to 2 decimals
    assert (nchs["aa_lower_95"] <= nchs["aa_rate_per_100k"]).all()
    assert (nchs["aa_rate_per_100k"] <= nchs["aa_upper_95"]).all()


# --- MDPH statewide counts and rates --------------------------------------------------------------


def test_mdph_deaths_by_vintage(data):
    deaths = data["mdph_opioid_deaths"]
    # mdph2020feb (healthcarenews/AP/WWLP): 2,023 confirmed and estimated deaths in 2019.
    assert _one(deaths, "deaths", year=2019, vintage="2020-02") == 2023
    # 2019 revised: 2,015 (June 2020), 2,020 (Nov 2020), 2,002 (May 2021).
    assert _one(deaths, "deaths", year=2019, vintage="2020-06") == 2015
    assert _one(deaths, "deaths", year=2019, vintage="2020-11") == 2020
    assert _one(deaths, "deaths", year=2019, vintage="2021-05") == 2002
    # 2016 in successive reports (fact sheet caveat 1): 1,933 / 2,149 / 2,089 / 2,097 / 2,102.
    y2016 = deaths[deaths["year"] == 2016]
    assert {1933, 2149, 2089, 2097, 2102} <= set(y2016["deaths"])
    assert _one(deaths, "deaths", year=2016, source_id="mdph2018may") == 2149
    assert _one(deaths, "deaths", year=2016, source_id="mdph2018aug") == 2089


def test_mdph_totals_lie_within_confirmed_plus_pending(data):
    deaths = data["mdph_opioid_deaths"]
    # mdph2021may: 2020 = 2,104 = 2,035 confirmed + 66 to 70 expected;
    # mdph2022jun: 2021 = 2,290 = 2,234 confirmed + 42 to 71 expected.
    for year, source in ((2020, "mdph2021may"), (2021, "mdph2022jun")):
        report = deaths[(deaths["year"] == year) & (deaths["source_id"] == source)]
        value = report.set_index("measure")["deaths"]
        low = value["confirmed"] + value["additional_estimated_low"]
        high = value["confirmed"] + value["additional_estimated_high"]
        assert low <= value["confirmed_and_estimated"] <= high, year
    assert _one(deaths, "deaths", year=2021, measure="confirmed_and_estimated",
                vintage="2022-06") == 2290


def test_mdph_secondary_series_is_flagged_and_ocr_labels_are_not_used(data):
    deaths = data["mdph_opioid_deaths"]
    akimova = deaths[deaths["source_id"] == "akimova2019"]
    assert sorted(akimova["year"]) == list(range(2000, 2019))
    assert akimova["secondary"].all() and akimova["vintage"].isna().all()
    assert (akimova["measure"] == "unspecified").all()
    assert _one(akimova, "deaths", year=2016) == 2094
    # The May 2019 brief's chart labels were OCR'd out of year order: only its text is used.
    may2019 = deaths[deaths["source_id"] == "mdph2019may"]
    assert set(may2019["measure"]) == {"additional_estimated_low", "additional_estimated_high"}
    assert not {1966, 1976, 2050, 2033}.intersection(
        deaths.loc[
            deaths["source_id"].isin(["mdph2019may", "mdph2016may", "mdph2017feb"]), "deaths"
        ]
    )


def test_mdph_rates(data):
    rates = data["mdph_opioid_rates"]
    # mdph2020feb: 29 per 100,000 in 2019 (the article's figure), 30.5 in 2016.
    assert _one(rates, "rate_per_100k", year=2019, source_id="mdph2020feb") == 29
    assert _one(rates, "rate_per_100k", year=2016, source_id="mdph2020feb") == 30.5
    # mdph2021may and mdph2021aug revise 2019 to 28.7.
    assert _one(rates, "rate_per_100k", year=2019, source_id="mdph2021may") == 28.7
    assert _one(rates, "rate_per_100k", year=2019, source_id="mdph2021aug") == 28.7
    assert _one(rates, "rate_per_100k", year=2021, source_id="mdph2022dec") == 33.1
    assert _one(rates, "rate_per_100k", year=2015, measure="unintentional") == 25.8


def test_rates_by_race(data):
    race = data["ma_opioid_rates_by_race"]
    article = race[race["source_id"] == "vivant2021"].set_index("race_ethnicity")["rate_per_100k"]
    # Vivant (2021), footnote 7: 32.3 (White), 31.3 (Hispanic), 21.6 (Black), 2019.
    assert article.to_dict() == {
        "white_non_hispanic": 32.3,
        "hispanic": 31.3,
        "black_non_hispanic": 21.6,
    }
    assert race.loc[race["source_id"] == "vivant2021", "note"].str.contains("'%'").all()
    # mdph2021aug (Boston Globe 2021-08-11): Black non-Hispanic males 32.6 (2019) -> 56.4 (2020).
    black_men = dict(race_ethnicity="black_non_hispanic", sex="male", source_id="mdph2021aug")
    assert _one(race, "rate_per_100k", year=2019, **black_men) == 32.6
    assert _one(race, "rate_per_100k", year=2020, **black_men) == 56.4
    # mdph2021nov: 57.1, age-adjusted.
    late = race[(race["source_id"] == "mdph2021nov") & (race["year"] == 2020)]
    assert _one(late, "rate_per_100k", race_ethnicity="black_non_hispanic") == 57.1
    assert (late["rate_type"] == "age_adjusted").all()


def test_cdc_other_figures(data):
    cdc = data["cdc_overdose_rates_other"]
    us2019 = dict(geography="United States", year=2019, source_id="mattson2021mmwr")
    # mattson2021mmwr: 70,630 deaths, 21.6 per 100,000 age-adjusted in 2019; 20.7 in 2018.
    assert _one(cdc, "deaths", **us2019) == 70630
    assert _one(cdc, "rate_per_100k", **us2019) == 21.6
    assert _one(cdc, "rate_per_100k", year=2018, source_id="cdc2020quickstats") == 20.7
    # scholl2018mmwr Table 1: opioid-involved deaths 42,249 (13.3) in 2016, 47,600 (14.9) in 2017.
    opioid = cdc[cdc["measure"] == "opioid_involved_overdose"].set_index("year")
    assert opioid.loc[2016, "deaths"] == 42249 and opioid.loc[2017, "rate_per_100k"] == 14.9
    # The article's "US 20 per 100,000" was not found as such.
    assert not (cdc["rate_per_100k"] == 20).any()


# --- arrests --------------------------------------------------------------------------------------


def test_fbi_2019_and_2010(data):
    arrests = data["fbi_drug_arrests"]
    y2019 = arrests[(arrests["year"] == 2019) & arrests["in_series"]].set_index("offense")
    # fbi2019cius (DrugPolicyFacts citing CIUS 2019): 1,558,862; possession 1,351,533 (86.7%);
    # sale/manufacture 207,328 (13.3%).
    assert y2019.loc["total", "arrests"] == 1558862
    assert y2019.loc["possession", "arrests"] == 1351533
    assert y2019.loc["possession", "pct_of_drug_arrests"] == 86.7
    assert y2019.loc["sale_manufacture", "arrests"] == 207328
    # CIUS 2010 via fbi2019cius: 1,342,215 + 296,631 = 1,638,846 exactly.
    y2010 = arrests[(arrests["year"] == 2010) & (arrests["source_id"] == "fbi2019cius")]
    parts = y2010.set_index("offense")["arrests"]
    assert parts["possession"] + parts["sale_manufacture"] == parts["total"] == 1638846


def test_fbi_parts_add_up_to_totals_where_one_source_gives_both(data):
    arrests = data["fbi_drug_arrests"]
    counted = arrests[arrests["in_series"] & arrests["arrests"].notna()]
    wide = counted.pivot_table(
        index=["year", "source_id"], columns="offense", values="arrests", aggfunc="first"
    ).dropna()
    assert sorted(wide.index.get_level_values("year")) == [
        2007, 2010, 2011, 2012, 2013, 2014, 2017, 2019
    ]  # fmt: skip
    gap = (wide["possession"] + wide["sale_manufacture"] - wide["total"]).abs()
    assert gap.max() <= 2  # parts derived from rounded percentages (e.g. 2019: off by 1)


def test_fbi_series_has_one_count_per_year_and_peaks_in_2006(data):
    arrests = data["fbi_drug_arrests"]
    series = arrests[arrests["in_series"] & arrests["arrests"].notna()]
    assert not series.duplicated(["year", "offense"]).any()
    totals = series[series["offense"] == "total"].set_index("year")["arrests"]
    # BJS (bjsojpenforce): arrests rose to a high of 1,889,800 in 2006.
    assert totals.idxmax() == 2006 and totals[2006] == 1889810
    assert _one(arrests, "arrests", year=2006, source_id="bjsojpenforce") == 1889800
    # Rows with a share but no count are never in the count series.
    assert not arrests.loc[arrests["arrests"].isna(), "in_series"].any()
    # Unverified third-party transcriptions are flagged secondary.
    assert arrests.loc[arrests["source_id"] == "growthoutcome_ucr", "secondary"].all()


def test_marijuana_arrests(data):
    mj = data["marijuana_arrests"]
    ma = mj[mj["geography"] == "Massachusetts"]
    # gettman2008: 9,124 arrests in 2006 = 7,857 possession + 1,267 sales.
    ma2006 = ma[ma["year"] == 2006].set_index("offense")["arrests"]
    assert ma2006["total"] == ma2006["possession"] + ma2006["sale_manufacture"] == 9124
    # aclu2016marijuana: possession 8,695 (2008) -> 616 (2014); the 2013 series (8,502) is left out.
    possession = ma[ma["offense"] == "possession"].set_index("year")["arrests"]
    assert (possession[2008], possession[2014]) == (8695, 616)
    assert 8502 not in set(mj["arrests"])
    us = mj[(mj["geography"] == "United States") & (mj["source_id"] == "dwfforum")]
    for _, year in us.groupby("year"):
        parts = year.set_index("offense")["arrests"]
        assert parts["possession"] + parts["sale_manufacture"] == parts["total"]


def test_section35_totals_and_parts(data):
    s35 = data["section35_filings"]
    totals = s35[s35["category"] == "total"].set_index("fiscal_year")["filings"]
    # matrialcourt2018s35: FY2010 5,903 ... FY2016 10,040, FY2017 10,917, FY2018 10,770.
    assert totals.to_dict() == {
        2010: 5903, 2011: 6105, 2012: 7129, 2013: 7358, 2014: 7773,
        2015: 8371, 2016: 10040, 2017: 10917, 2018: 10770,
    }  # fmt: skip
    parts = s35[s35["category"] != "total"].groupby("fiscal_year")["filings"].sum()
    assert (parts == totals).all()
    # The drug/alcohol distinction ended in Q3 FY2016: no such rows afterwards.
    split = s35[s35["category"].isin(["adult_drug_abuse", "adult_alcohol_abuse"])]
    assert split["fiscal_year"].max() == 2016


# --- cities ---------------------------------------------------------------------------------------


def test_city_profiles(data):
    city = data["city_profiles"]
    # cambridgecdd: 2010 census 105,162; wikipedia_cpd: 2017 budget $51,145,765; 278 + 41 = 319.
    assert _one(city, "value", place="cambridge", indicator="population", source_id="cambridgecdd",
                year=2010) == 105162  # fmt: skip
    assert _one(city, "value", place="cambridge", indicator="police_budget", year=2017) == 51145765
    staff = city[(city["source_id"] == "wikipedia_cpd") & (city["unit"] == "persons")]
    counts = staff.set_index("indicator")["value"]
    assert (
        counts["police_sworn_officers"] + counts["police_civilian_staff"]
        == counts["police_employees"]
    )
    # itemlive2019may: 168 sworn officers in May 2019, goal 195.
    assert (
        _one(city, "value", place="lynn", indicator="police_sworn_officers", period="2019-05")
        == 168
    )
    # indexmundi_income (ACS 2014-2018): Lynn 54,598; Cambridge 95,404.
    income = city[city["source_id"] == "indexmundi_income"].set_index("place")["value"]
    assert (income["lynn"], income["cambridge"]) == (54598, 95404)
    # NOT FOUND: any Lynn or Gloucester police budget in dollars.
    budgets = city[city["indicator"] == "police_budget"]
    assert not budgets["place"].isin(["lynn", "gloucester"]).any()


def test_article_city_figures_match_the_claims(data):
    figures = data["article_city_figures"]
    claims = data["article_claims"].set_index(["claim_id", "item"])["value"]
    for _, row in figures.iterrows():
        item = "boston_officers" if row["place"] == "boston" else row["indicator"]
        assert claims[row["claim_id"], item] == row["value"], (row["place"], row["indicator"])
    assert _one(figures, "value", place="lynn", indicator="police_budget") == 27_000_000


def test_city_opioid_deaths(data):
    deaths = data["city_opioid_deaths"]
    table = deaths[deaths["source_id"] == "mdph2019augtowns"]
    assert len(table) == 4 * 5 * 2
    boston = table[(table["place"] == "boston") & (table["basis"] == "residence")]
    # mdph2019augtowns, Table 1: Boston residents 108, 151, 194, 198, 181 (2014-2018).
    assert boston.sort_values("year")["deaths"].tolist() == [108, 151, 194, 198, 181]
    lynn = table[(table["place"] == "lynn") & (table["basis"] == "occurrence")]
    assert lynn.set_index("year")["deaths"][2017] == 65  # Table 2
    assert _one(deaths, "deaths", place="boston", year=2016, source_id="mdph2018feb") == 193


def test_county_fragments(data):
    county = data["mdph_county_opioid_deaths"]
    cumulative = county[(county["first_year"] == 2000) & (county["last_year"] == 2016)]
    # mdph2018febcounty (MassLive): Middlesex 2,578 of 13,870 deaths in 2000-2016.
    deaths = cumulative.set_index("county")["deaths"]
    assert (deaths["Middlesex"], deaths["Massachusetts"]) == (2578, 13870)
    assert deaths.drop("Massachusetts").sum() < deaths["Massachusetts"]
    # Each row carries either a count or a rate, never both, never neither.
    assert (county["deaths"].isna() != county["rate_per_100k"].isna()).all()
    assert (county["first_year"] <= county["last_year"]).all()


def test_overdose_responses_keep_gaps(data):
    responses = data["overdose_responses"]
    cambridge = responses[responses["place"] == "cambridge"]
    # cambridgechronicle2018 (citing a DPH report): opioid emergencies 368 (2015), 542 (2016).
    emergencies = cambridge[cambridge["measure"] == "opioid_medical_emergencies"]
    assert emergencies.set_index("year")["count"].to_dict() == {2015: 368, 2016: 542}
    # NOT FOUND: the article's 295 overdoses / 29 fatal in Cambridge, 2016.
    assert not cambridge["count"].isin([295, 29]).any()
    lynn_deaths = responses[
        (responses["place"] == "lynn") & (responses["measure"] == "fatal_overdoses")
    ]
    assert set(lynn_deaths.loc[lynn_deaths["period"] == "2017", "count"]) == {68, 70}


def test_naloxone_fentanyl_and_angel(data):
    prices = data["naloxone_prices"]
    plymouth = prices[prices["place"] == "Plymouth, MA"].set_index("period")["price_usd"]
    assert plymouth.to_dict() == {"2014-02": 18.50, "2014-12": 44.54}  # globe2015naloxone
    assert not prices["price_usd"].isin([23, 180]).any()  # the article's prices: NOT FOUND
    fentanyl = data["fentanyl_share"]
    share = fentanyl[fentanyl["substance"] == "fentanyl"]
    assert _one(share, "share_pct", period="2019-01/2019-09") == 93  # mdph2020feb
    assert _one(share, "share_pct", period="2020-Q1") == 94  # mdph2020jun
    assert not (share["share_pct"] == 95).any()  # the article's 95%: NOT FOUND
    angel = data["gloucester_angel"].set_index("measure")["value"]
    # schiff2016nejm: direct placement offered in 94.5% (394 of 417) of eligible presentations.
    assert (
        round(100 * angel["direct_placement_offered"] / angel["eligible_presentations"], 1)
        == (angel["direct_placement_offered_share"])
    )
    assert angel["placed_in_treatment"] == 260  # gloucesterpd2015


def test_policy_timeline_dates_agree_with_year_and_precision(data):
    timeline = data["policy_timeline"]
    width = {"year": 4, "season": 4, "month": 7, "day": 10}
    for _, row in timeline.iterrows():
        assert int(row["date"][:4]) == row["year"], row["event"]
        assert len(row["date"]) == width[row["precision"]], row["event"]
    # Vivant (2021), section 3.1: marijuana decriminalised January 2009, medical use January 2013.
    marijuana = timeline[timeline["event"].str.contains("marijuana", case=False)]
    assert {"2009-01", "2013-01", "2016", "2018"} <= set(marijuana["date"])
    assert _one(timeline, "date", category="operation") == "2019"


def test_article_claims_cover_c01_to_c38(data):
    claims = data["article_claims"]
    # The first mapping of the article gave C01-C26; the claims ledger adds C27 (the
    # conclusion's pandemic remark) and C28-C38 (claims the fidelity review found missing,
    # review section 2c).
    assert sorted(claims["claim_id"].unique()) == [f"C{i:02d}" for i in range(1, 39)]
    values = claims.set_index(["claim_id", "item"])["value"]
    # Vivant (2021), introduction: 29 vs 20 per 100,000 and 2,023 deaths in 2019.
    assert (values["C01", "ma_rate"], values["C01", "us_rate"]) == (29, 20)
    assert values["C01", "ma_deaths"] == 2023
    assert (values["C12", "price_2007"], values["C12", "price_2019"]) == (23, 180)
    assert values["C09", "fentanyl_share"] == 95


def test_claims_added_from_the_fidelity_review(data):
    claims = data["article_claims"].set_index(["claim_id", "item"])
    value = claims["value"]
    # Vivant (2021): federal laws of 1986, 1988, 1994 (footnote 3) and 1998 (footnote 4).
    laws = claims.loc["C31"]
    assert laws["value"].tolist() == [1986, 1988, 1994, 1998]
    assert set(laws["section"]) == {"intro (footnote 3)", "intro (footnote 4)"}
    # seed l.139: Gloucester's programme 'après trois ans de fonctionnement'; l.29: officers over
    # 45, more than 20 years in specialised units, all but two supervisors; footnote 19: mayor
    # elected in 2013; footnote 11: three Lynn officers, Moskos's five colleagues in twenty months;
    # section 2.3: grants of one or two years; conclusion: elections in autumn 2021.
    assert value["C29", "gloucester_programme_years"] == 3
    assert (value["C37", "officers_age_over"], value["C37", "officers_service_over"]) == (45, 20)
    assert value["C37", "officers_not_supervisors"] == 2
    assert value["C32", "mayor_elected"] == 2013
    assert (value["C33", "lynn_officers_died"], value["C33", "moskos_colleagues"]) == (3, 5)
    assert value["C33", "moskos_months"] == 20
    assert (value["C34", "grant_years_min"], value["C34", "grant_years_max"]) == (1, 2)
    assert value["C38", "boston_election"] == 2021
    # Decades printed in words ('milieu des années 1990', 'années 2008-2009', 'fin des années
    # 1990') stay text: no year is invented for them.
    words = [("C28", "prescribing_from"), ("C28", "prescribing_tightened"), ("C30", "crisis_since")]
    for key in words:
        assert pd.isna(value[key]) and pd.isna(claims.loc[key, "year"]), key
    assert claims.loc[("C28", "prescribing_tightened"), "value_as_printed"].endswith("2008-2009")
    # C15 and C16 were already rows (Cambridge votes; $30,000 a month): not duplicated.
    assert value["C15", "marijuana_yes"] == 71 and value["C16", "treatment_cost"] == 30000


def test_timeline_notes_name_the_claims_they_date(data):
    timeline = data["policy_timeline"]
    laws = timeline[timeline["date"].isin(["1986", "1988", "1994", "1998"])]
    assert len(laws) == 4 and laws["note"].str.startswith("Claim C31").all()
    assert _one(timeline, "note", date="2013", source_id="vivant2021").startswith("Claim C32")
    assert "Claim C29 (gloucester_programme_years)" in _one(timeline, "note", date="2015-06-01")


# --- S9: figures for claims the ledger marked 'not checkable' (DATA-SOURCES.md l.667-721) --------


def test_election_results(data):
    votes = data["election_results"]
    assert (votes["place"] == "cambridge").all() and votes["secondary"].all()
    # activerain2016 (fact sheet l.673): Question 4 Yes in Cambridge 71.3% (Somerville 75.5%).
    assert _one(votes, "value", year=2016, contest="ballot_question_4", choice="yes") == 71.3
    # activerain2016 (l.675): Clinton 89.2% in Cambridge, 2016 (context).
    assert _one(votes, "value", year=2016, choice="clinton") == 89.2
    # cambridgeday2020 (l.676): Biden 91.5%, unofficial, 4 November 2020.
    biden = dict(year=2020, choice="biden", measure="vote_share")
    assert _one(votes, "value", source_id="cambridgeday2020", **biden) == 91.5
    # newbostonpost2020 (l.677): 45,426 Biden and 3,248 Trump of 49,644 votes; '91.2 percent'
    # as printed, although 45,426 / 49,644 = 91.5%.
    nbp = votes[votes["source_id"] == "newbostonpost2020"]
    count = nbp[nbp["measure"] == "votes"].set_index("choice")["value"]
    assert (count["biden"], count["trump"], count["total"]) == (45426, 3248, 49644)
    assert _one(nbp, "value", **biden) == 91.2
    assert round(100 * count["biden"] / count["total"], 1) == 91.5
    assert _one(votes, "value", source_id="cambridgeday2020", choice="trump") == 3248
    # NOT READ: the official electionstats rows; and Cambridge Day's '44,426' typo is left out.
    assert 44426 not in set(votes["value"])
    assert "NOT READ" in " ".join(datasets.resource("election_results")["caveats"])


def test_treatment_costs(data):
    costs = data["treatment_costs"]
    # samhsa2004adss (fact sheet l.712, primary, 2002): $76.13 a day non-hospital residential,
    # $3,840 per admission.
    samhsa = costs[costs["source_id"] == "samhsa2004adss"]
    assert not samhsa["secondary"].any() and (samhsa["year"] == 2002).all()
    assert _one(samhsa, "low_usd", unit="usd_per_day") == 76.13
    assert _one(samhsa, "low_usd", unit="usd_per_admission") == 3840
    assert (samhsa["low_usd"] == samhsa["high_usd"]).all()  # averages
    # oxfordtreatment (l.713): $10,000-$20,000 standard 30-day, $25,000+ premium (no upper bound).
    oxford = costs[costs["source_id"] == "oxfordtreatment"].set_index("setting")
    assert (oxford.loc["inpatient_standard", "low_usd"],
            oxford.loc["inpatient_standard", "high_usd"]) == (10000, 20000)  # fmt: skip
    assert oxford.loc["inpatient_premium", "low_usd"] == 25000
    assert pd.isna(oxford.loc["inpatient_premium", "high_usd"])
    # drugrehabnearme (l.714): $15,000-$40,000 a month, standard.
    guide = costs[costs["source_id"] == "drugrehabnearme"]
    assert (_one(guide, "low_usd", unit="usd_per_month"),
            _one(guide, "high_usd", unit="usd_per_month")) == (15000, 40000)  # fmt: skip
    assert costs.loc[costs["source_id"] != "samhsa2004adss", "secondary"].all()
    ranges = costs.dropna(subset=["high_usd"])
    assert (ranges["low_usd"] <= ranges["high_usd"]).all()
    # NOT FOUND (l.715): an authoritative 2018-2019 average; the article's $30,000 is not a row.
    assert not costs["year"].isin([2018, 2019]).any()
    assert not (costs[["low_usd", "high_usd"]] == 30000).any().any()


def test_s9_city_figures(data):
    city = data["city_profiles"]
    # dotnews2018 (fact sheet l.693): 'the 2,200-officer Boston Police Department', July 2018,
    # an approximate description, flagged in its basis.
    bpd = city[city["source_id"] == "dotnews2018"]
    assert _one(bpd, "value", place="boston", indicator="police_sworn_officers") == 2200
    assert _one(bpd, "year", place="boston") == 2018
    assert _one(bpd, "basis", place="boston").startswith("approximate")
    # lynnjournal2019may (l.684): 11% public safety (police and fire) of $367,935,216, FY2020.
    lynn = city[city["source_id"] == "lynnjournal2019may"].set_index("indicator")
    assert lynn.loc["city_budget", "value"] == 367935216
    assert lynn.loc["public_safety_budget_share", "value"] == 11
    assert lynn.loc["public_safety_budget_share", "unit"] == "percent"
    # itemlive2023jun (l.685): public safety $47,167,544 in FY2024.
    assert _one(city, "value", source_id="itemlive2023jun") == 47167544
    # NOT FOUND (l.683, l.721): still no Lynn or Gloucester police budget in dollars.
    budgets = city[city["indicator"] == "police_budget"]
    assert not budgets["place"].isin(["lynn", "gloucester"]).any()


def test_s9_officials_and_recovery_office_dates(data):
    timeline = data["policy_timeline"]
    sources = {s["id"]: s for s in datasets.resource("policy_timeline")["sources"]}
    # suffolkda2019 (fact sheet l.703, primary): Rollins sworn in on 2 January 2019.
    assert _one(timeline, "date", source_id="suffolkda2019") == "2019-01-02"
    # wikipedia_rollins (l.702, secondary): elected on 6 November 2018 (the article: 2019).
    assert _one(timeline, "date", source_id="wikipedia_rollins") == "2018-11-06"
    # bangordailynews2018 (l.704, secondary): Gross named 23 July 2018, sworn in 6 August 2018.
    gross = timeline[timeline["source_id"] == "bangordailynews2018"]
    assert sorted(gross["date"]) == ["2018-07-23", "2018-08-06"]
    # scsdma2013 (l.705, primary): Tompkins appointed sheriff on 22 January 2013.
    assert _one(timeline, "date", source_id="scsdma2013") == "2013-01-22"
    # bostonors2015 (l.695, primary): the Mayor's Office of Recovery Services, created in 2015.
    assert _one(timeline, "date", source_id="bostonors2015") == "2015"
    assert _one(timeline, "note", source_id="bostonors2015").startswith("Claim C14")
    for key in ("suffolkda2019", "scsdma2013", "bostonors2015"):
        assert sources[key]["secondary"] is False, key
    for key in ("wikipedia_rollins", "bangordailynews2018"):
        assert sources[key]["secondary"] is True, key
    # The claim is about the election: only the election row carries the claim's item tag.
    tagged = timeline[timeline["note"].fillna("").str.contains(r"C24 \(district_attorney\)")]
    assert tagged["source_id"].tolist() == ["wikipedia_rollins"]
    tagged = timeline[timeline["note"].fillna("").str.contains(r"C24 \(commissioner\)")]
    assert tagged["date"].tolist() == ["2018-07-23"]


def test_city_coordinates_match_the_printed_infobox_values():
    coordinates = datasets.load("city_coordinates").set_index("city")
    # Lynn's infobox prints 42°28'N 70°57'W: 42 + 28/60 = 42.467 and -(70 + 57/60) = -70.95.
    assert coordinates.loc["Lynn", "lat_deg"] == pytest.approx(42 + 28 / 60, abs=5e-4)
    assert coordinates.loc["Lynn", "lon_deg"] == pytest.approx(-(70 + 57 / 60))
    # Cape Ann's Gloucester is the north-easternmost of the four; Cambridge lies west of Boston.
    assert coordinates["lat_deg"].idxmax() == "Gloucester"
    assert coordinates.loc["Cambridge", "lon_deg"] < coordinates.loc["Boston", "lon_deg"]
    assert coordinates["secondary"].all()


# --- S8: after the article, 2017-2024 (DATA-SOURCES.md supplement S8, l.537-743) ----------------


def test_us_rates_from_each_nchs_data_brief(data):
    us = data["us_overdose_rates_by_race"]
    total = us[us["race_ethnicity"] == "All Races-All Origins"]
    # nchs2018db329 (l.558): 'in 2017 (21.7 per 100,000) was 9.6% higher than ... 2016 (19.8)'.
    assert _one(total, "rate_per_100k", year=2017) == 21.7
    assert _one(total, "deaths", year=2017) == 70237
    # nchs2021db428 (l.561): '91,799 drug overdose deaths ... 28.3 per 100,000'.
    assert (_one(total, "deaths", year=2020), _one(total, "rate_per_100k", year=2020)) == (91799,
                                                                                           28.3)
    # nchs2022db457 (l.562): '106,699 ... 32.4'; nchs2024db522 (l.564): '105,007 ... 31.3'.
    assert _one(total, "deaths", year=2021) == 106699
    assert (_one(total, "deaths", year=2023), _one(total, "rate_per_100k", year=2023)) == (105007,
                                                                                           31.3)
    # nchs2024db491 (l.563): 2022 = 32.6, with no count in the abstract read.
    assert _one(total, "rate_per_100k", year=2022) == 32.6
    assert pd.isna(_one(total, "deaths", year=2022))
    # One row per brief: each brief is its own vintage, never a merged series.
    assert not total.duplicated(["source_id", "year"]).any()
    assert (total["race_system"] == "not_applicable").all()


def test_us_rates_by_race_and_the_crossover(data):
    us = data["us_overdose_rates_by_race"]
    both = us[(us["sex"] == "both") & (us["measure"] == "all_drug_overdose")]
    rate = both.set_index(["year", "race_ethnicity"])["rate_per_100k"]
    white, black = "Non-Hispanic White", "Non-Hispanic Black"
    # minino2021nchs (l.566): White 26.2, Black 24.8 in 2019.
    assert (rate[2019, white], rate[2019, black]) == (26.2, 24.8)
    # goodfaith2021 on db428 (l.567): Black 35.8 above White 33.1 in 2020 (l.573: the crossover).
    assert (rate[2020, black], rate[2020, white]) == (35.8, 33.1)
    # icesaturn2024db522 (l.570): White 35.6 -> 33.1, Black 47.5 -> 48.9, NHOPI 18.8 -> 26.2.
    assert (rate[2022, white], rate[2023, white]) == (35.6, 33.1)
    assert (rate[2022, black], rate[2023, black]) == (47.5, 48.9)
    nhopi = "Non-Hispanic Native Hawaiian or Other Pacific Islander"
    assert (rate[2022, nhopi], rate[2023, nhopi]) == (18.8, 26.2)
    # hp2030su03 (l.568): 2021 AIAN 56.6, Asian 4.7; NOT FOUND (l.569): White, Black, Hispanic 2021.
    assert rate[2021, "Non-Hispanic American Indian or Alaska Native"] == 56.6
    assert rate[2021, "Non-Hispanic Asian"] == 4.7
    assert not {(2021, white), (2021, black), (2021, "Hispanic")} & set(rate.index)
    # NOT FOUND (l.572): both-sexes rates by race for 2017 and 2018.
    by_race = both[both["race_ethnicity"] != "All Races-All Origins"]
    assert not by_race["year"].isin([2017, 2018]).any()
    # The mislabelled 2022 figures of a website (l.577) are not used.
    assert not ((both["year"] == 2022) & both["rate_per_100k"].isin([44.3, 56.6])).any()


def test_us_race_systems_are_recorded_and_both_kept_for_2018(data):
    us = data["us_overdose_rates_by_race"]
    men = us[(us["sex"] == "male") & (us["year"] == 2018)]
    # hus2019overdose (l.571): men in 2018, bridged race White 33.5, Black 32.0; single race
    # White 33.8, Black 32.4.
    pairs = men.set_index(["race_ethnicity", "race_system"])["rate_per_100k"]
    assert (pairs["Non-Hispanic White", "bridged"], pairs["Non-Hispanic White", "single"]) == (
        33.5, 33.8)
    assert (pairs["Non-Hispanic Black", "bridged"], pairs["Non-Hispanic Black", "single"]) == (
        32.0, 32.4)
    # pew2022 (l.574): Black men 54.1, White men 44.2 in 2020, CDC WONDER bridged race.
    pew = us[us["source_id"] == "pew2022"].set_index("race_ethnicity")
    assert (pew.loc["Non-Hispanic Black", "rate_per_100k"],
            pew.loc["Non-Hispanic White", "rate_per_100k"]) == (54.1, 44.2)
    assert (pew["race_system"] == "bridged").all() and (pew["sex"] == "male").all()
    # The old NCHS series (1999-2016) is bridged; the briefs from 2019 on are coded single.
    by_race = us[(us["race_ethnicity"] != "All Races-All Origins") & (us["sex"] == "both")
                 & (us["measure"] == "all_drug_overdose")]
    assert (by_race["race_system"] == "single").all()
    assert by_race["deaths"].isna().all()  # no counts by race: no interval can be computed


def test_mdph_later_vintages(data):
    deaths = data["mdph_opioid_deaths"]
    total = deaths[deaths["measure"] == "confirmed_and_estimated"]
    # mdph2022decap (l.589): 2021 = 2,301 in December 2022; mdph2023jun (l.589): 2,300.
    assert _one(total, "deaths", year=2021, vintage="2022-12") == 2301
    assert _one(total, "deaths", year=2021, vintage="2023-06") == 2300
    # mdph2023jun (l.590): 2022 = 2,357; mdph2023dec (l.591, primary): 2,359.
    assert _one(total, "deaths", year=2022, vintage="2023-06") == 2357
    assert _one(total, "deaths", year=2022, source_id="mdph2023dec") == 2359
    assert not _one(deaths, "secondary", year=2022, source_id="mdph2023dec")
    # mdph2024jun (l.592-593): 2023 = 2,125; revised 2016 2,111, 2019 2,007, 2020 2,092.
    june_2024 = total[total["vintage"] == "2024-06"].set_index("year")["deaths"]
    assert june_2024.to_dict() == {2016: 2111, 2017: 2015, 2018: 2015, 2019: 2007, 2020: 2092,
                                   2022: 2357, 2023: 2125}
    # bostonherald2025 (l.594): 1,340 'confirmed' in 2024, ambiguous; not a confirmed+estimated row.
    assert _one(deaths, "deaths", year=2024) == 1340
    assert _one(deaths, "measure", year=2024) == "confirmed"
    rates = data["mdph_opioid_rates"]
    # mdph2023jun (l.590): 33.5 in 2022; mdph2024jun (l.592): 30.2 in 2023.
    assert _one(rates, "rate_per_100k", year=2022, vintage="2023-06") == 33.5
    assert _one(rates, "rate_per_100k", year=2023) == 30.2
    # mdph2022juntwiw (l.588): 29.9 for 2020 in the June 2022 release (30.2 in May 2021).
    assert _one(rates, "rate_per_100k", year=2020, vintage="2022-06") == 29.9
    # NOT FOUND (l.594, l.739): the MDPH report of June 2025 (2024 count and rate).
    assert not (rates["year"] == 2024).any()


def test_ma_rates_by_race_after_2020_keep_sex_apart(data):
    race = data["ma_opioid_rates_by_race"]
    later = race[race["year"] >= 2021]
    black = later[later["race_ethnicity"] == "black_non_hispanic"]
    # mdph2023jun (l.605-606): both sexes 36.4 -> 51.7; men 56.4 -> 79.6; women 17.4 -> 25.5.
    both = black[black["sex"] == "both"].set_index("year")["rate_per_100k"]
    assert both.to_dict() == {2021: 36.4, 2022: 51.7}
    men = black[(black["sex"] == "male") & (black["source_id"] == "mdph2023jun")]
    assert men.set_index("year")["rate_per_100k"].to_dict() == {2021: 56.4, 2022: 79.6}
    # bostonherald2024jun (l.610): Black non-Hispanic men 80 (2022) -> 84.6 (2023).
    assert _one(black, "rate_per_100k", year=2023, sex="male") == 84.6
    assert _one(black, "rate_per_100k", year=2022, source_id="bostonherald2024jun") == 80
    # NOT FOUND (l.612): 2023 rates for women or both sexes, and every 2021+ White or Hispanic rate.
    assert set(later.loc[later["year"] == 2023, "sex"]) == {"male"}
    assert not later["race_ethnicity"].isin(["white_non_hispanic", "hispanic"]).any()
    # commonwealth2022jun (l.607): American Indian residents 118.6 in 2021.
    assert _one(later, "rate_per_100k", race_ethnicity="american_indian") == 118.6


def test_fentanyl_after_2021(data):
    share = data["fentanyl_share"]
    # mdph2023jun (l.596): 93% in 2022; bostonherald2025: 'about 92%' in 2024 (approximate).
    assert _one(share, "share_pct", period="2022", substance="fentanyl") == 93
    assert _one(share, "share_pct", period="2024") == 92
    assert _one(share, "approximate", period="2024")
    assert not (share["year"] == 2023).any()  # the 90% copy's address was not kept


def test_city_deaths_after_2019_and_gloucester_gap(data):
    city = data["city_opioid_deaths_after_2019"]
    # wbjournal2022jun (l.625): Boston 311 (2020), 322 (2021); patch2024jun (l.627): 353, 377.
    boston = city[city["place"] == "boston"]
    assert _one(boston, "deaths", period="2020") == 311
    assert _one(boston, "deaths", period="2023") == 377
    # universalhub2023 (l.626, BPHC) and patch2024jun (l.627): two publishers, 352 and 353.
    assert sorted(boston.loc[boston["period"] == "2022", "deaths"]) == [352, 353]
    # cphd2024nov (l.629-630, primary): Cambridge 57 residents and 76 in the city, 2022-2023.
    cambridge = city[city["place"] == "cambridge"]
    two_years = cambridge[cambridge["period"] == "2022-2023"].set_index("basis")["deaths"]
    assert two_years.to_dict() == {"residence": 57, "occurrence": 76}
    # crimson2025nov (l.630): 45 + 31 = 76 deaths in the city, the department's two-year total.
    occurrence = cambridge[(cambridge["basis"] == "occurrence") & (cambridge["months"] == 12)]
    yearly = occurrence.set_index("first_year")["deaths"]
    assert yearly[2022] + yearly[2023] == two_years["occurrence"]
    # itemlive2023jul (l.633): Lynn January-June, 31 (2022) -> 13 (2023).
    lynn = city[city["place"] == "lynn"].set_index("period")["deaths"]
    assert lynn.to_dict() == {"2022-01/2022-06": 31, "2023-01/2023-06": 13}
    assert (city.loc[city["place"] == "lynn", "months"] == 6).all()
    # NOT FOUND (l.635): Gloucester 2020-2023.
    assert not (city["place"] == "gloucester").any()


def test_fbi_after_2019_records_the_nibrs_break(data):
    reporting = data["fbi_arrest_reporting"]
    # cnn2022fbi (l.654): no national estimate for 2021; 63% of agencies, about 65% of people.
    estimate = reporting.dropna(subset=["national_estimate"]).set_index("year")
    assert not estimate.loc[2021, "national_estimate"] and estimate.loc[2022, "national_estimate"]
    assert (estimate.loc[2021, "agencies_pct"], estimate.loc[2021, "population_pct"]) == (63, 65)
    # fbicde2023 (l.659): 2022 estimate from 15,726 of 18,888 agencies.
    assert (estimate.loc[2022, "agencies_reporting"], estimate.loc[2022, "agencies_total"]) == (
        15726, 18888)
    # hstoday2022 and crimeconsequences2022 (l.658): SRS up to 2020, NIBRS only from 2021.
    systems = reporting.groupby("year")["reporting_system"].unique()
    assert list(systems[2020]) == ["srs"] and list(systems[2021]) == ["nibrs"]
    arrests = data["fbi_drug_arrests"]
    # silverlaw2025 (l.656): 907,412 drug arrests reported in 2023, a compilation kept outside
    # the series.
    y2023 = arrests[arrests["year"] == 2023].set_index("offense")
    assert y2023.loc["total", "arrests"] == 907412
    assert y2023.loc["possession", "arrests"] == 743827
    assert not y2023["in_series"].any()
    # No series value for 2021 (no estimate) and none for 2023 (NOT FOUND, l.657).
    series = arrests[arrests["in_series"] & arrests["arrests"].notna()]
    assert not series["year"].isin([2021, 2023]).any()
