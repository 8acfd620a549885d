"""C2SP tlog-policy: which logs and witnesses a verifier trusts, and the quorum a checkpoint needs.

A policy file (c2sp.org/tlog-policy) lists ``log <vkey> [<url>]``
and ``witness <name> <vkey> [<url>]`` lines, ``group <name> all|any|<k> <member>...`` lines
that may only name what was defined before them, and exactly one ``quorum <name>`` line
(``none`` for no cosignature). A checkpoint is valid under the policy if one of the logs signed
it and the quorum's witness or group has witnessed it: a witness by cosigning, a group when at
least ``k`` of its members have.

Registries use one to say which witnesses they ask to cosign their checkpoints (the witness
URLs are their C2SP tlog-witness submission prefixes) and readers to check a proof bundle
offline (``kreislauf verify-bundle --policy``). Pure: no database, no network.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from passport.ledger import note

NONE = "none"
# C2SP recommends supporting at least 32 of each; a few more cost nothing.
MAX_LOGS = MAX_WITNESSES = MAX_GROUPS = 64
_BLANKS = " \t"


class PolicyError(ValueError):
    """The policy file breaks a rule of c2sp.org/tlog-policy (the message names line and rule)."""


@dataclass(frozen=True)
class Log:
    verifier: note.Verifier
    url: str | None = None


@dataclass(frozen=True)
class Witness:
    name: str
    verifier: note.Verifier
    url: str | None = None


@dataclass(frozen=True)
class Group:
    name: str
    threshold: int
    members: tuple[str, ...]


@dataclass(frozen=True)
class Policy:
    logs: tuple[Log, ...]
    witnesses: dict[str, Witness] = field(hash=False)
    groups: dict[str, Group] = field(hash=False)
    quorum: str

    def log_verifiers(self) -> list[note.Verifier]:
        return [log.verifier for log in self.logs]

    def witness_verifiers(self) -> list[note.Verifier]:
        return [w.verifier for w in self.witnesses.values()]

    def witness_named(self, key_name: str, key_id: bytes) -> Witness | None:
        """The witness whose key signs lines of this key name and key ID, if the policy has one."""
        for w in self.witnesses.values():
            if w.verifier.name == key_name and w.verifier.key_id == key_id:
                return w
        return None

    def satisfied(self, witnessed: Iterable[str]) -> bool:
        """Whether the witnesses named ``witnessed`` (policy names) meet the quorum."""
        return self.quorum == NONE or _witnessed(self, self.quorum, frozenset(witnessed))

    def cosigners(self, checkpoint_note: str) -> list[str]:
        """The policy names of the witnesses whose cosignatures on ``checkpoint_note`` verify.

        Signatures by keys the policy does not know are ignored (C2SP); a line that claims a
        known witness's key and does not verify raises :class:`note.NoteError`.
        """
        text, signatures = note.parse_note(checkpoint_note)
        data = text.encode("utf-8")
        found: list[str] = []
        for sig in signatures:
            w = self.witness_named(sig.name, sig.key_id)
            if w is None or w.name in found:
                continue
            if not w.verifier.verify(data, sig.signature):
                raise note.NoteError(f"the cosignature of witness {w.name} does not verify")
            found.append(w.name)
        return found

    def describe(self) -> str:
        """The quorum in words, e.g. ``2 of X1, X2, X3``."""
        return _describe(self, self.quorum)


def _witnessed(policy: Policy, name: str, witnessed: frozenset[str]) -> bool:
    if name in policy.witnesses:
        return name in witnessed
    group = policy.groups[name]
    count = sum(_witnessed(policy, member, witnessed) for member in group.members)
    return count >= group.threshold


def _describe(policy: Policy, name: str) -> str:
    if name == NONE:
        return "no cosignature"
    if name in policy.witnesses:
        return name
    group = policy.groups[name]
    members = ", ".join(
        m if m in policy.witnesses else f"({_describe(policy, m)})" for m in group.members
    )
    if group.threshold == len(group.members):
        return f"all of {members}" if len(group.members) > 1 else members
    return f"{group.threshold} of {members}"


def parse(text: str) -> Policy:
    """Parse a policy file's text; :class:`PolicyError` names the first broken rule."""
    logs: list[Log] = []
    witnesses: dict[str, Witness] = {}
    groups: dict[str, Group] = {}
    quorum: str | None = None
    keys: set[bytes] = set()
    members: set[str] = set()  # each name may be a group member once in the whole policy
    for number, raw in enumerate(text.split("\n"), start=1):
        where = f"line {number}"
        _check_octets(raw, where)
        words = [w for w in raw.replace("\t", " ").split(" ") if w]
        if not words or words[0].startswith("#"):
            continue
        keyword, args = words[0], words[1:]
        if keyword == "log":
            logs.append(_log(args, keys, where))
        elif keyword == "witness":
            w = _witness(args, keys, where)
            _new_name(w.name, witnesses, groups, where)
            witnesses[w.name] = w
        elif keyword == "group":
            g = _group(args, witnesses, groups, where)
            twice = sorted(members & set(g.members))
            if twice:
                raise PolicyError(f"{where}: {twice[0]!r} is already a member of a group")
            members.update(g.members)
            _new_name(g.name, witnesses, groups, where)
            groups[g.name] = g
        elif keyword == "quorum":
            if quorum is not None:
                raise PolicyError(f"{where}: a policy has exactly one quorum line")
            if len(args) != 1:
                raise PolicyError(f"{where}: the quorum line names one witness or group")
            if args[0] != NONE and args[0] not in witnesses and args[0] not in groups:
                raise PolicyError(f"{where}: the quorum names {args[0]!r}, not defined before")
            quorum = args[0]
        else:
            raise PolicyError(f"{where}: unknown keyword {keyword!r}")
    if quorum is None:
        raise PolicyError("the policy has no quorum line (write 'quorum none' for none)")
    if len(logs) > MAX_LOGS or len(witnesses) > MAX_WITNESSES or len(groups) > MAX_GROUPS:
        raise PolicyError(f"a policy here holds at most {MAX_LOGS} logs, witnesses and groups")
    return Policy(tuple(logs), witnesses, groups, quorum)


def _check_octets(line: str, where: str) -> None:
    for char in line:
        if char != "\t" and (ord(char) < 0x20 or ord(char) == 0x7F):
            raise PolicyError(f"{where}: control character {ord(char):#04x} is not allowed")


def _key(vkey: str, alg: int, what: str, keys: set[bytes], where: str) -> note.Verifier:
    try:
        verifier = note.Verifier.from_vkey(vkey)
    except note.NoteError as exc:
        raise PolicyError(f"{where}: the {what}'s vkey is invalid: {exc}") from None
    if verifier.alg != alg:
        kind = "an Ed25519 (0x01)" if alg == note.ALG_ED25519 else "a cosignature/v1 (0x04)"
        raise PolicyError(f"{where}: a {what}'s vkey must be {kind} key")
    if verifier.public_bytes in keys:
        raise PolicyError(f"{where}: the {what}'s public key is already in the policy")
    keys.add(verifier.public_bytes)
    return verifier


def _url(args: list[str], where: str) -> str | None:
    if len(args) > 1:
        raise PolicyError(f"{where}: too many fields")
    return args[0] if args else None


def _log(args: list[str], keys: set[bytes], where: str) -> Log:
    if not args:
        raise PolicyError(f"{where}: a log line is 'log <vkey> [<url>]'")
    return Log(_key(args[0], note.ALG_ED25519, "log", keys, where), _url(args[1:], where))


def _witness(args: list[str], keys: set[bytes], where: str) -> Witness:
    if len(args) < 2:
        raise PolicyError(f"{where}: a witness line is 'witness <name> <vkey> [<url>]'")
    # A witness signs with cosignature/v1 (C2SP tlog-cosignature), a log with Ed25519.
    verifier = _key(args[1], note.ALG_COSIGNATURE_V1, "witness", keys, where)
    return Witness(args[0], verifier, _url(args[2:], where))


def _group(
    args: list[str], witnesses: dict[str, Witness], groups: dict[str, Group], where: str
) -> Group:
    if len(args) < 3:
        raise PolicyError(f"{where}: a group line is 'group <name> all|any|<k> <name>...'")
    name, rule, members = args[0], args[1], tuple(args[2:])
    for member in members:
        if member == NONE:
            raise PolicyError(f"{where}: 'none' cannot be a group member")
        if member not in witnesses and member not in groups:
            raise PolicyError(f"{where}: the group names {member!r}, not defined before")
    if len(set(members)) != len(members):
        raise PolicyError(f"{where}: a name is listed twice in the group")
    if rule == "all":
        threshold = len(members)
    elif rule == "any":
        threshold = 1
    elif rule.isdigit() and rule.isascii() and rule == str(int(rule)):
        threshold = int(rule)
        if not 1 <= threshold <= len(members):
            raise PolicyError(f"{where}: the threshold must be 1 to {len(members)}")
    else:
        raise PolicyError(f"{where}: the threshold is 'all', 'any' or a decimal number")
    return Group(name, threshold, members)


def _new_name(
    name: str, witnesses: dict[str, Witness], groups: dict[str, Group], where: str
) -> None:
    if name == NONE:
        raise PolicyError(f"{where}: 'none' is predefined and cannot be defined")
    if name in witnesses or name in groups:
        raise PolicyError(f"{where}: the name {name!r} is already defined")
