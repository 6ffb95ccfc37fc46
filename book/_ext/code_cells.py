"""How hidden code cells open on the web: "Show solution" under exercises, and valid HTML.

1. A code cell tagged `hide-cell` that answers an exercise (it follows an admonition or paragraph
   that starts with "Exercise", or sits in a section titled "Exercise", with no other code cell in
   between) opens with "Show solution" / "Hide solution" instead of myst-nb's "Show code cell
   content", which says nothing to a student looking for the answer.
2. myst-nb writes each toggle as `<summary aria-label="Toggle hidden content">` holding two `<p>`
   elements. A `<summary>` may only hold phrasing content, so the W3C checker reports every hidden
   cell, and the aria-label hides the visible words from speech-input users (axe-core
   label-content-name-mismatch). The toggle is written with `<span>`s and no aria-label; book.css
   gives the spans the look myst-nb's stylesheet gave the paragraphs.
"""

from __future__ import annotations

from html import escape

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.transforms.post_transforms import SphinxPostTransform

EXERCISE = "exercise"
SOLUTION_PROMPTS = ("Show solution", "Hide solution")


def starts_exercise(node: nodes.Node) -> bool:
    """Whether a node sets an exercise: an admonition or paragraph that starts with "Exercise"."""
    if isinstance(node, nodes.Admonition):
        title = node.next_node(nodes.title)
        return title is not None and title.astext().strip().lower().startswith(EXERCISE)
    if isinstance(node, nodes.paragraph):
        return node.astext().strip().lower().startswith(EXERCISE)
    return False


def is_code_cell(node: nodes.Node) -> bool:
    """Whether a node is a notebook code cell (myst-nb's container)."""
    return isinstance(node, nodes.Element) and node.get("nb_element") == "cell_code"


def answers_exercise(cell: nodes.Element) -> bool:
    """Whether a code cell comes right after an exercise (no other code cell in between)."""
    parent = cell.parent
    if parent is None:
        return False
    for sibling in reversed(parent.children[: parent.index(cell)]):
        if is_code_cell(sibling):
            return False
        if starts_exercise(sibling):
            return True
    if isinstance(parent, nodes.section):
        title = parent.next_node(nodes.title)
        return title is not None and title.astext().strip().lower().startswith(EXERCISE)
    return False


class SolutionPrompts(SphinxPostTransform):
    """Name the toggle of a hidden cell that answers an exercise "Show solution"."""

    # Before myst-nb's HideInputCells (199), which copies the prompts into the toggle.
    default_priority = 198
    formats = ("html",)

    def run(self, **kwargs: object) -> None:
        for cell in self.document.findall(is_code_cell):
            if cell.get("hide_mode") == "all" and answers_exercise(cell):
                cell["prompt_show"], cell["prompt_hide"] = SOLUTION_PROMPTS


def visit_hidden_cell(self, node: nodes.Element) -> None:
    """Open a hidden cell's toggle: phrasing content only, named by its visible words."""
    classes = " ".join(node["classes"])
    self.body.append(f'<details class="admonition hide {classes}">\n<summary>\n')
    self.body.append(
        f'<span class="collapsed admonition-title">{escape(node["prompt_show"])}</span>\n'
    )
    self.body.append(
        f'<span class="expanded admonition-title">{escape(node["prompt_hide"])}</span>\n'
    )
    self.body.append("</summary>\n")


def depart_hidden_cell(self, node: nodes.Element) -> None:
    self.body.append("</details>\n")


def setup(app: Sphinx) -> dict:
    app.setup_extension("myst_nb")
    from myst_nb.sphinx_ import HideCodeCellNode

    app.add_node(HideCodeCellNode, override=True, html=(visit_hidden_cell, depart_hidden_cell))
    app.add_post_transform(SolutionPrompts)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
