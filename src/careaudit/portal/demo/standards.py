"""Demo step: the three shipped content packs."""

from careaudit.portal.demo import DemoContext, set_up_when_it_began
from careaudit.standards.pack_io import pack_load
from careaudit.standards.packfile import BUILTIN_PACKS, load_builtin


@set_up_when_it_began
def build(context: DemoContext) -> None:
    for name in BUILTIN_PACKS:
        pack_load(load_builtin(name))
