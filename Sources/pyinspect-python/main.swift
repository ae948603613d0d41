// `sys.executable` of every target: a python3 that runs under the pyinspect host, so multiprocessing
// children, the resource tracker and `subprocess.run([sys.executable, ...])` behave as with python3.
import PyInspectCore

PythonExecutable.main(arguments: CommandLine.unsafeArgv, count: CommandLine.argc)
