import sys

try:
    from .cli import main
except KeyboardInterrupt:  # Ctrl-C while the program is still loading
    sys.exit(130)

# Guarded: a worker process started by "spawn" imports this module again.
if __name__ == "__main__":
    main()
