# ansible-core's own answer for host patterns: reads {"inventory": FILE, "patterns": [...]} on stdin,
# prints one JSON line per pattern: the host names ansible-core selects, in its order, or its error.
import json, sys, warnings
warnings.filterwarnings('ignore')
from ansible.parsing.dataloader import DataLoader
from ansible.inventory.manager import InventoryManager
from ansible.utils.display import Display
Display().verbosity = -1
req = json.load(sys.stdin)
im = InventoryManager(loader=DataLoader(), sources=[req['inventory']])
for p in req['patterns']:
    im.clear_pattern_cache()
    try:
        print(json.dumps([h.name for h in im.get_hosts(p)]))
    except Exception as e:
        print(json.dumps({'error': str(e).split('\n')[0]}))
