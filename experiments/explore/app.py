"""The explorer's Solara app: three pages and the model description, a banner on every one.

``aieco explore`` serves this module (``SOLARA_APP=experiments.explore.app``); Solara reads
its :data:`routes`. The root route's layout puts the banner and the page tabs above every
page (with explicit routes, only the root route's ``layout=`` wraps the pages).
"""

from __future__ import annotations

import solara
import solara.lab

from experiments.explore.odd import odd_html
from experiments.explore.ui_common import CSS, Banner
from experiments.explore.ui_compare import ComparePage
from experiments.explore.ui_live import LivePage
from experiments.explore.ui_sweeps import SweepsPage


@solara.component
def Layout(children: list | None = None) -> None:
    """Banner, page tabs (each a URL), then the page."""
    route, routes_all = solara.use_route()
    index = routes_all.index(route) if route in routes_all else 0
    solara.Style(CSS)
    with solara.Column(gap="0px", style={"width": "100%"}):
        Banner()
        with solara.lab.Tabs(value=index):
            for r in routes_all:
                solara.lab.Tab(r.label, path_or_route=r)
        solara.Column(style={"padding": "10px 16px"}, children=children or [])


@solara.component
def ModelPage() -> None:
    """The model description (ODD)."""
    solara.Title("aieco explorer: model description")
    solara.HTML(tag="div", classes=["aieco-odd"], unsafe_innerHTML=odd_html(),
                attributes={"data-testid": "odd"})


routes = [
    solara.Route(path="/", component=LivePage, label="Live run", layout=Layout),
    solara.Route(path="compare", component=ComparePage, label="Compare"),
    solara.Route(path="sweeps", component=SweepsPage, label="Sweeps"),
    solara.Route(path="model", component=ModelPage, label="Model (ODD)"),
]
