"""Text an HTML report will show, chosen to break out of it: a thread name, an object repr and an exception
message carrying <script>, <img onerror>, quotes, & and a </script><!-- that would end a JSON data block."""
import threading


class Hostile:
    def __repr__(self):
        return "<img src=x onerror=\"pyinspectPwned('repr')\"> & 'quotes'"


thread = threading.Thread(target=lambda: None, name="<img src=x onerror=pyinspectPwned('thread')>")
thread.start()
thread.join()
raise ValueError(f"</script><script>pyinspectPwned('message')</script><!-- {Hostile()!r}")
