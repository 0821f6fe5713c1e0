# ansible-core's own answer for inventories, as ansible-inventory --list computes it: reads a JSON
# list of sources on stdin (each a path, a list of paths for several -i, or {"sources": [...],
# "playbook_dir": DIR} as --playbook-dir gives it, for group_vars/ next to a playbook), prints one JSON line
# per source: {"hosts": {name: vars}, "groups": {name: {"hosts": [...], "children": [...]}},
# "warnings": [...]} or {"error": first line}. One process for all files (ansible's start-up is
# the slow part). Values JSON has no form for (a complex, Ellipsis, a set) are written as
# {"__python__": type, "repr": ...}.
import json, os, sys, warnings
os.environ['ANSIBLE_INVENTORY_UNPARSED_FAILED'] = 'True'
warnings.filterwarnings('ignore')
from ansible.parsing.dataloader import DataLoader
from ansible.inventory.manager import InventoryManager
from ansible.vars.manager import VariableManager
from ansible.cli.inventory import INTERNAL_VARS
from ansible.utils.display import Display
import ansible.utils.display as disp

display = Display()
display.verbosity = -1
caught = []
display.warning = lambda msg, formatted=False: caught.append(str(msg).split('\n')[0])

def py(o):
    return {'__python__': type(o).__name__, 'repr': repr(o)}

for source in json.load(sys.stdin):
    caught.clear()
    try:
        loader = DataLoader()
        if isinstance(source, dict):
            loader.set_basedir(source['playbook_dir'])
            source = source['sources']
        im = InventoryManager(loader=loader, sources=source if isinstance(source, list) else [source])
        vm = VariableManager(loader=loader, inventory=im)
        hosts = {}
        for h in im.get_hosts():
            v = vm.get_vars(host=h, include_hostvars=False, stage='all')
            hosts[h.name] = {k: x for k, x in v.items() if k not in INTERNAL_VARS}
        groups = {g.name: {'hosts': [h.name for h in g.hosts], 'children': [c.name for c in g.child_groups]} for g in im.groups.values()}
        print(json.dumps({'hosts': hosts, 'groups': groups, 'warnings': list(caught)}, default=py))
    except Exception as e:
        print(json.dumps({'error': str(e).split('\n')[0]}))
