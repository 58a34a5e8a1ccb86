import sys
from pathlib import Path

# The shared harness modules (diagnostic_cases.py) sit beside this file.
sys.path.insert(0, str(Path(__file__).parent))
