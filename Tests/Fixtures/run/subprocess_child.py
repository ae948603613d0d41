import subprocess
import sys

out = subprocess.run([sys.executable, "-c", "import sys, json; print(sys.prefix, json.dumps(sys.argv))", "x"],
                     capture_output=True, text=True, check=True)
print(out.stdout.strip())
