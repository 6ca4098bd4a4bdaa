"""nvoslib.console - the nvos shell over a serial line, driven by pexpect.

The client for test rigs and for the QEMU test suite (docs/rig.md): it works
on any pexpect spawn, so the same calls drive QEMU (nvoslib.qemu.Machine), a
real serial port (/dev/ttyUSB0) or a pty (open_serial).

    con = open_serial("/dev/ttyUSB0")      # or: Machine(...) as con
    ready = con.wait_ready()               # READY nvos <version> boot=<method>
    out, rc = con.run("nvme list")         # output and exit status of one command
    out = con.check("blk list")            # raises CommandFailed unless rc=0

The rig contract this relies on (kernel/shell/rig.c):
  - one line "READY nvos <version> boot=<method>" per boot, before the first prompt;
  - the prompt "nvos> " at the start of a line whenever the shell waits for input;
  - with "set rc on" (or boot option shell.rc=1) every command line ends with
    a line "rc=<N>" (0 success, 1 failure);
  - failures print one line starting "error: ";
  - a kernel panic prints "PANIC: ", an unexpected exception "FATAL: ".
Output is kept as text with ANSI escapes removed and CRLF turned into LF, in
`buf` (everything since the start) and in `before`/`after` (pexpect's).
"""
import os
import re
import termios
import time
import tty

import pexpect
import pexpect.fdpexpect

PROMPT = "nvos> "
PROMPT_RE = re.compile(r"(^|\n)" + re.escape(PROMPT))
READY_RE = re.compile(r"(?:^|\n)READY nvos (\S+) boot=(\S+)\n")
RC_RE = re.compile(r"(?:^|\n)rc=(-?\d+)\n$")
ANSI = re.compile(r"\x1b(\[[0-9;=?]*[A-Za-z]|[()][A-Z0-9]|[=>c])")
# Lines that mean the machine is gone: a test that sees one has failed,
# whatever it was waiting for.
FATAL_RE = re.compile(r"(?:^|\n)(PANIC: .*|FATAL: .*)")
# The 16550's receive FIFO holds 16 bytes: U-Boot test/py's max_fifo_fill.
FIFO_CHUNK = 16


class ConsoleError(Exception):
    """The console did not show what was expected: timeout, EOF, or a fatal line."""


class CommandFailed(ConsoleError):
    """A command ended with a non-zero rc or printed an error: line."""

    def __init__(self, line, output, rc):
        super().__init__(f"'{line}' failed (rc={rc}):\n{output}")
        self.line, self.output, self.rc = line, output, rc


class _CleanText:
    """Mixin for a pexpect spawn: every read is returned without ANSI
    escapes and carriage returns, and appended to self.transcript."""

    def _clean_init(self, stream=None):
        self.transcript = []
        self._pending = ""
        self._stream = stream

    def read_nonblocking(self, size=1, timeout=-1):
        try:
            raw = super().read_nonblocking(size, timeout)
        except pexpect.EOF:
            if self._pending:
                self._keep(ANSI.sub("", self._pending))
                self._pending = ""
            raise
        text = self._pending + raw
        # Keep an escape sequence that straddles reads for the next one.
        cut = len(text)
        esc = text.rfind("\x1b")
        if esc >= 0 and len(text) - esc < 16 and not ANSI.match(text, esc):
            cut = esc
        self._pending = text[cut:]
        clean = ANSI.sub("", text[:cut]).replace("\r\n", "\n").replace("\r", "")
        self._keep(clean)
        return clean

    def _keep(self, clean):
        self.transcript.append(clean)
        if self._stream:
            self._stream.write(clean)
            self._stream.flush()


class CleanSpawn(_CleanText, pexpect.spawn):
    """A child process on a pty (QEMU with -serial on stdio)."""

    def __init__(self, argv, stream=None, **kw):
        self._clean_init(stream)
        super().__init__(argv[0], argv[1:], echo=False, encoding="utf-8",
                         codec_errors="replace", **kw)
        self.delaybeforesend = None  # pexpect's 50 ms per send is for terminals that echo


class CleanFdSpawn(_CleanText, pexpect.fdpexpect.fdspawn):
    """An open file descriptor: a serial port or a pty someone else drives."""

    def __init__(self, fd, stream=None, **kw):
        self._clean_init(stream)
        super().__init__(fd, encoding="utf-8", codec_errors="replace", **kw)
        self.delaybeforesend = None


class Ready:
    def __init__(self, version, boot):
        self.version, self.boot = version, boot

    def __repr__(self):
        return f"READY nvos {self.version} boot={self.boot}"


class Console:
    """The shell on one spawn. Every wait has a deadline: its own timeout,
    and no later than `deadline` (time.monotonic()) if one is set."""

    def __init__(self, spawn=None, deadline=None, chunked=False):
        self.spawn = spawn
        self.deadline = deadline
        self.chunked = chunked  # send in FIFO-sized chunks, each after its echo
        self.rc_on = False      # the shell prints rc=<N> lines (wait_ready sets it)
        self.rc = None          # the last command()'s rc, with rc_on
        self.ready = None       # the READY line, once seen

    # ---- text -----------------------------------------------------------------
    @property
    def buf(self):
        """Everything read so far (ANSI escapes and CRs removed)."""
        return "".join(self.spawn.transcript) if self.spawn else ""

    def tail(self, n=2000):
        return self.buf[-n:]

    @property
    def before(self):
        return self.spawn.before

    @property
    def after(self):
        return self.spawn.after

    def _timeout(self, timeout):
        if self.deadline is None:
            return timeout
        return max(0.0, min(timeout, self.deadline - time.monotonic()))

    def expect(self, pattern, timeout=60, fatal=True):
        """Waits for regex `pattern` in output not yet consumed; returns the
        match and consumes output up to its end. With fatal=True a PANIC: or
        FATAL: line, or a second READY line (the machine rebooted), seen first
        raises ConsoleError."""
        rx = re.compile(pattern) if isinstance(pattern, str) else pattern
        pats = [rx, FATAL_RE] if fatal else [rx]
        if fatal and self.ready is not None:
            pats.append(READY_RE)
        try:
            i = self.spawn.expect(pats, timeout=self._timeout(timeout))
        except pexpect.TIMEOUT:
            raise ConsoleError(f"timed out waiting for {rx.pattern!r}; last output:\n"
                               f"{self.tail()}") from None
        except pexpect.EOF:
            raise ConsoleError(f"the console closed (QEMU exited?) while waiting for "
                               f"{rx.pattern!r}; last output:\n{self.tail()}") from None
        if i == 2:
            raise ConsoleError(f"the machine rebooted (a second READY line) while waiting for "
                               f"{rx.pattern!r}; last output:\n{self.tail()}")
        if i == 1:
            line = self.spawn.match.group(1)
            # Let the rest of the report arrive, for the message.
            self.spawn.expect([pexpect.EOF, pexpect.TIMEOUT], timeout=self._timeout(2))
            raise ConsoleError(f"the machine failed while waiting for {rx.pattern!r}: {line}\n"
                               f"last output:\n{self.tail()}")
        return self.spawn.match

    # ---- input ----------------------------------------------------------------
    def send(self, text):
        """Sends text as is (no line end)."""
        self.spawn.send(text)

    def type_chunked(self, text, timeout=10):
        """Sends text FIFO_CHUNK characters at a time, waiting for each chunk's
        echo before the next (U-Boot test/py's way with UART FIFOs). Only for
        printable text: control characters are not echoed as themselves."""
        for i in range(0, len(text), FIFO_CHUNK):
            chunk = text[i:i + FIFO_CHUNK]
            self.spawn.send(chunk)
            self.expect(re.escape(chunk), timeout)

    # ---- the shell ------------------------------------------------------------
    def wait_prompt(self, timeout=90):
        """Waits for the first prompt after boot."""
        self.expect(PROMPT_RE, timeout)

    def wait_ready(self, timeout=90, rc=True):
        """Waits for the READY line and the prompt after it; returns Ready.
        With rc=True, switches rc lines on ("set rc on") if they are not yet."""
        m = self.expect(READY_RE, timeout)
        self.ready = ready = Ready(m.group(1), m.group(2))
        self.wait_prompt(timeout)
        if rc and not self.rc_on:
            self.command("set rc on")
            self.rc_on = True
        return ready

    def command(self, line, timeout=60):
        """Types `line`, waits for the next prompt and returns the output in
        between. When the shell prints rc lines, the rc= line is taken off
        the output and kept in self.rc."""
        if self.chunked:
            self.type_chunked(line, timeout)
            self.spawn.send("\r")
            self.expect(r"\n", timeout)
        else:
            self.spawn.send(line + "\r")
            self.expect(re.escape(line) + r"\n", timeout)
        self.expect(PROMPT_RE, timeout)
        out = self.spawn.before + self.spawn.after[:-len(PROMPT)]
        self.rc = None
        if self.rc_on:
            m = RC_RE.search(out)
            if m is None:
                raise ConsoleError(f"'{line}': no rc= line at the end of its output:\n{out}")
            self.rc = int(m.group(1))
            out = out[:m.start() + (1 if out[m.start()] == "\n" else 0)]
        return out

    def run(self, line, timeout=60):
        """Runs one command line; returns (output, rc). Needs rc lines
        (wait_ready turns them on)."""
        if not self.rc_on:
            raise ConsoleError("run() needs rc lines: call wait_ready() or send 'set rc on'")
        out = self.command(line, timeout)
        return out, self.rc

    def check(self, line, timeout=60):
        """Runs one command line; returns its output. Raises CommandFailed when
        it ends with rc != 0 or prints an error: line."""
        out, rc = self.run(line, timeout)
        if rc != 0 or re.search(r"^error: ", out, re.M):
            raise CommandFailed(line, out, rc)
        return out

    # ---- the end ----------------------------------------------------------------
    def wait_exit(self, timeout=60):
        """Waits for the other end to close (QEMU exiting); returns its exit status."""
        try:
            self.spawn.expect(pexpect.EOF, timeout=self._timeout(timeout))
        except pexpect.TIMEOUT:
            raise ConsoleError(f"QEMU did not exit; last output:\n{self.tail()}") from None
        return self._exit_status()

    def _exit_status(self):
        return None


def has(pattern, text):
    """Does some line of text (a command's output, a transcript) match the
    regular expression? Multiline: ^ and $ anchor at each line."""
    return re.search(pattern, text, re.M) is not None


def open_serial(path, baud=115200, timeout=60):
    """A Console on a serial device or pty path: raw mode, 8N1, `baud`."""
    fd = os.open(path, os.O_RDWR | os.O_NOCTTY)
    if os.isatty(fd):
        tty.setraw(fd)
        attrs = termios.tcgetattr(fd)
        speed = getattr(termios, f"B{baud}")
        attrs[4] = attrs[5] = speed
        termios.tcsetattr(fd, termios.TCSANOW, attrs)
    return Console(CleanFdSpawn(fd, timeout=timeout))


__all__ = ["Console", "ConsoleError", "CommandFailed", "Ready", "open_serial", "PROMPT",
           "FIFO_CHUNK"]
