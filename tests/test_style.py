"""Tests of analysis.style: one theme, a colour-blind-safe palette, figure data on disk."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from analysis import style


def test_palette_is_okabe_ito():
    # Okabe & Ito (2008), "Color Universal Design": the eight published hex values.
    assert set(style.PALETTE.values()) == {
        "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000",
    }
    assert len(style.SERIES_COLOURS) == 8
    assert style.SERIES_COLOURS[-1] == "#F0E442"  # faint yellow is used last


def test_colour_wraps_around():
    assert style.colour(0) == style.colour(8) == "#0072B2"


def test_set_theme_applies_palette():
    style.set_theme()
    cycle = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    assert [matplotlib.colors.to_hex(c).upper() for c in cycle[:2]] == ["#0072B2", "#D55E00"]
    assert plt.rcParams["svg.fonttype"] == "none"


def test_write_figure_data(tmp_path):
    table = pd.DataFrame({"year": [2015, 2016], "deaths": [1724, 2227]})
    path = style.write_figure_data(table, "fig-test", tmp_path)
    assert path == tmp_path / "figdata" / "fig-test.csv"
    assert path.read_text().splitlines() == ["year,deaths", "2015,1724", "2016,2227"]


@pytest.mark.parametrize("bad", ["", "../escape", ".hidden"])
def test_write_figure_data_rejects_paths(tmp_path, bad):
    with pytest.raises(ValueError, match="plain file stem"):
        style.write_figure_data(pd.DataFrame(), bad, tmp_path)


def test_glue_figure_glues_then_closes(monkeypatch):
    import myst_nb

    monkeypatch.setenv("DIVERSION_BOOK_BUILD", "1")
    glued = {}
    monkeypatch.setattr(myst_nb, "glue", lambda key, value, display: glued.update({key: display}))
    fig = plt.figure()
    style.glue_figure("fig-test", fig)
    assert glued == {"fig-test": False}
    assert not plt.fignum_exists(fig.number)


def test_glue_number_glues_plain_python_numbers(monkeypatch):
    import myst_nb
    import numpy as np

    monkeypatch.setenv("DIVERSION_BOOK_BUILD", "1")
    glued = {}
    monkeypatch.setattr(myst_nb, "glue", lambda key, value, display: glued.update({key: value}))
    style.glue_number("rate", np.float64(32.99))
    style.glue_number("deaths", np.int64(2227))
    style.glue_number("year", 2016)
    assert glued == {"rate": 32.99, "deaths": 2227, "year": 2016}
    assert [type(v) for v in glued.values()] == [float, int, int]


def test_figure_axes_uses_the_given_axes_or_makes_a_figure():
    fig, ax = plt.subplots()
    assert style.figure_axes(ax) == (fig, ax)
    new_fig, new_ax = style.figure_axes(figsize=(7.5, 2.0))
    assert new_ax.figure is new_fig
    assert tuple(new_fig.get_size_inches()) == (7.5, 2.0)
    plt.close("all")


def test_outside_the_book_glue_shows_figures_only(monkeypatch):
    import IPython.display
    import myst_nb

    monkeypatch.delenv("DIVERSION_BOOK_BUILD", raising=False)
    monkeypatch.setattr(myst_nb, "glue", lambda *args, **kwargs: pytest.fail("myst-nb used"))
    shown = []
    monkeypatch.setattr(IPython.display, "display", shown.append)
    fig = plt.figure()
    style.glue_figure("fig-test", fig)  # a reader's notebook shows the figure where it is drawn
    assert shown == [fig] and not plt.fignum_exists(fig.number)
    style.glue_number("rate", 32.99)  # a number for the prose: nothing to show
    style.glue("label", "text", display=False)
    assert shown == [fig]
    style.glue("label", "text")
    assert shown == [fig, "text"]


def test_outside_ipython_glue_shows_nothing(monkeypatch):
    import builtins

    monkeypatch.delenv("DIVERSION_BOOK_BUILD", raising=False)
    real_import = builtins.__import__

    def no_ipython(name, *args, **kwargs):
        if name.startswith("IPython"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_ipython)
    fig = plt.figure()
    style.glue_figure("fig-test", fig)
    assert not plt.fignum_exists(fig.number)


def test_set_theme_applies_the_whitegrid_look():
    style.set_theme()
    assert plt.rcParams["axes.grid"] is True
    assert plt.rcParams["axes.edgecolor"] == ".8"
    assert plt.rcParams["font.size"] == 12.0
    assert plt.rcParams["axes.titlesize"] == "medium"  # the book's own size wins over the theme's


def test_importing_style_does_not_import_seaborn_or_statsmodels():
    # Every chapter imports analysis.style: it must not pay for libraries it does not draw with.
    import subprocess
    import sys

    code = (
        "import sys, analysis, analysis.style\n"
        "print(sorted({'seaborn', 'statsmodels'} & set(sys.modules)))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_shade_after_article_keeps_the_limits_and_labels_the_band():
    fig, ax = plt.subplots()
    ax.plot([2010, 2024], [0, 1])
    limits = ax.get_xlim()
    style.shade_after_article(ax, 2019.5, "after the article")
    assert ax.get_xlim() == limits
    band = ax.patches[-1]
    assert band.get_x() == pytest.approx(2019.5) and band.get_zorder() == 0
    assert [text.get_text() for text in ax.texts] == ["after the article"]
    plt.close(fig)


def test_mark_gap_hatches_the_missing_years():
    fig, ax = plt.subplots()
    ax.plot([2010, 2024], [0, 1])
    style.mark_gap(ax, 2016.5, 2018.5, "not found")
    band = ax.patches[-1]
    assert band.get_hatch() == style.GAP_HATCH
    assert band.get_width() == pytest.approx(2.0)
    assert ax.texts[-1].get_text() == "not found"
    plt.close(fig)


def test_shade_after_article_on_a_date_axis_shades_what_comes_after():
    fig, ax = plt.subplots()
    ax.plot(pd.to_datetime(["2017-01-01", "2024-06-01"]), [0, 1])
    style.shade_after_article(ax, pd.Timestamp("2020-07-23"), "later",
                              end=pd.Timestamp("2024-01-01"))
    band = ax.patches[-1]
    start = matplotlib.dates.date2num(pd.Timestamp("2020-07-23"))
    assert band.get_x() == pytest.approx(start) and band.get_width() > 0
    plt.close(fig)


def test_labels_can_sit_at_the_top_or_the_bottom():
    fig, ax = plt.subplots()
    ax.plot([2010, 2024], [0, 1])
    style.mark_gap(ax, 2016.5, 2018.5, "not found", label_at="top")
    style.shade_after_article(ax, 2019.5, "after the article", label_at="bottom")
    gap, after = ax.texts
    assert gap.xy[1] == 1 and gap.get_va() == "top"
    assert after.xy[1] == 0 and after.get_va() == "bottom"


def test_fit_width_wraps_long_titles() -> None:
    import matplotlib.pyplot as plt

    style.set_theme()
    fig, ax = plt.subplots(figsize=(style.FIGURE_WIDTH, 3))
    ax.set_title("b. Opioid-related deaths, counts (compiled series of the state's reports)")
    style.fit_width(fig)
    fig.canvas.draw()
    assert "\n" in ax.get_title()
    assert fig.get_tightbbox(fig.canvas.get_renderer()).width <= style.FIGURE_WIDTH
    plt.close(fig)


def test_fit_width_narrows_a_figure_with_a_legend_beside_it() -> None:
    import matplotlib.pyplot as plt

    style.set_theme()
    fig, ax = plt.subplots(figsize=(style.FIGURE_WIDTH, 3))
    ax.plot([1, 2], [1, 2], label="legend")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.set_ylabel("Deaths")
    fig.canvas.draw()
    assert fig.get_tightbbox(fig.canvas.get_renderer()).width > style.FIGURE_WIDTH
    style.fit_width(fig)
    fig.canvas.draw()
    padding = 2 * plt.rcParams["savefig.pad_inches"]
    assert fig.get_tightbbox(fig.canvas.get_renderer()).width <= style.FIGURE_WIDTH - padding + 0.01
    plt.close(fig)


def test_theme_text_is_readable_at_figure_width() -> None:
    # A 327 px column shows FIGURE_WIDTH inches (72 pt each): SMALL_FONT must come out at 9 px.
    assert style.SMALL_FONT * 327 / (72 * style.FIGURE_WIDTH) >= 9
    style.set_theme()
    import matplotlib.pyplot as plt
    from matplotlib.font_manager import FontProperties

    for key in ("font.size", "axes.labelsize", "xtick.labelsize", "ytick.labelsize",
                "legend.fontsize", "legend.title_fontsize", "axes.titlesize"):
        size = FontProperties(size=plt.rcParams[key]).get_size_in_points()
        assert size >= style.SMALL_FONT, (key, size)


def test_fit_width_wraps_long_category_names() -> None:
    import matplotlib.pyplot as plt

    style.set_theme()
    fig, ax = plt.subplots(figsize=(style.FIGURE_WIDTH, 3))
    names = ["Overdoses police responded to (article)", "Confirmed opioid deaths (DPH, via press)"]
    ax.barh([0, 1], [1, 2])
    ax.set_yticks([0, 1], names)
    style.fit_width(fig)
    fig.canvas.draw()
    assert all("\n" in label.get_text() for label in ax.get_yticklabels())
    padding = 2 * plt.rcParams["savefig.pad_inches"]
    assert fig.get_tightbbox(fig.canvas.get_renderer()).width <= style.FIGURE_WIDTH - padding + 0.01
    plt.close(fig)


def test_fit_width_lays_out_without_drawing_as_a_full_draw_would(monkeypatch) -> None:
    # fit_width measures text after a layout pass that rasterises nothing; a figure fitted that
    # way must save to the same pixels as one fitted after full draws (the old way).
    import io

    def fitted_png(layout) -> bytes:
        monkeypatch.setattr(style, "_layout", layout)
        style.set_theme()
        fig, (top, bottom) = plt.subplots(2, 1, figsize=(style.FIGURE_WIDTH + 2, 4))
        top.plot(pd.to_datetime([f"{y}-01-01" for y in range(1999, 2024)]), range(25), label="a")
        top.set_title("a. A title long enough to be wrapped to the width of the figure it sits on")
        top.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
        bottom.barh([0, 1], [1, 2])
        bottom.set_yticks([0, 1], ["Overdoses police responded to (article)", "Confirmed deaths"])
        style.fit_width(fig)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", bbox_inches="tight", metadata={"Software": None})
        plt.close(fig)
        return buffer.getvalue()

    without_rendering = fitted_png(style._layout)
    with_full_draws = fitted_png(lambda fig: fig.canvas.draw())
    assert without_rendering == with_full_draws
