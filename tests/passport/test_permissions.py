"""The one table of who may do what (passport.permissions), and the docs made from it."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from passport import permissions
from passport.disclosure import readers, tiers
from passport.events.catalogue import EVENT_TYPES
from passport.events.rules import may_record
from passport.permissions import BY_ACTION, PRINCIPALS, REGISTRY_ROLE, RULES, may, needs
from passport.roles import ROLES
from web.cli.main import cli

DOCS = Path(__file__).resolve().parents[2] / "docs" / "PERMISSIONS.md"
REGENERATE = "kreislauf permissions --markdown > docs/PERMISSIONS.md"


def test_the_docs_are_the_table() -> None:
    written = DOCS.read_text(encoding="utf-8") if DOCS.exists() else ""
    assert written == permissions.markdown(), (
        f"docs/PERMISSIONS.md differs from passport/permissions.py: run `{REGENERATE}`"
    )


def test_the_command_prints_the_docs() -> None:
    result = CliRunner().invoke(cli, ["permissions", "--markdown"])
    assert result.exit_code == 0, result.output
    assert result.output == permissions.markdown()


def test_every_action_is_named_once_and_names_known_roles() -> None:
    assert len(BY_ACTION) == len(RULES)
    for rule in RULES:
        assert rule.anyone <= set(PRINCIPALS), rule.action
        assert rule.text and rule.action.count(".") == 1, rule.action


def test_the_catalogue_and_the_event_rules_read_the_table() -> None:
    assert {f"event.{name}" for name in EVENT_TYPES} <= set(BY_ACTION)
    for name, kind in EVENT_TYPES.items():
        assert kind.roles == BY_ACTION[f"event.{name}"].anyone, name
        for role in (*ROLES, REGISTRY_ROLE):
            for issuer in (False, True):
                expected = may(f"event.{name}", role, is_issuer=issuer)
                assert may_record(name, role, is_issuer=issuer) == expected, (name, role)
    assert not may_record("teleport", "manufacturer", is_issuer=True)


def test_the_tiers_read_the_table() -> None:
    assert readers.AUTHORITY_ROLES == {"authority"}
    assert readers.LEGITIMATE_INTEREST_ROLES == {
        "repairer",
        "refurbisher",
        "remanufacturer",
        "recycler",
    }
    assert tiers.roles_for(tiers.Tier.AUTHORITY) == ("authority", "issuer")
    assert "manufacturer" not in tiers.roles_for(tiers.Tier.LEGITIMATE_INTEREST)


def test_nobody_and_the_registry() -> None:
    """Nobody only claims with a code; the registry's organisation only records that resale,
    never as an issuer (it issues nothing), and nothing else."""
    for rule in RULES:
        assert may(rule.action, None) == (rule.action == "transfer.claim"), rule.action
        registry = may(rule.action, REGISTRY_ROLE, is_issuer=True)
        assert registry == (rule.action in ("event.resale", "transfer.claim")), rule.action
    assert not may("passport.issue", "made-up role")


def test_a_rival_manufacturer_may_only_correct_its_own() -> None:
    """Another manufacturer does nothing to a product it did not issue but file corrections
    (which the history accepts only of its own events), and issue its own passports (or one
    moved here from another registry)."""
    rival = {r.action for r in RULES if may(r.action, "manufacturer", is_issuer=False)}
    assert rival == {
        "passport.issue",
        "passport.import",
        "event.correction",
        "transfer.claim",
        "grant.manage",
        "key.manage",
        "web.staff",
    }


def test_refusals_say_who_may() -> None:
    assert needs("event.sale") == "the product's issuer"
    assert needs("event.recall") == "the product's issuer and authorities"
    assert needs("event.repair") == (
        "the product's issuer and repairers, refurbishers and remanufacturers"
    )
    assert needs("passport.issue") == "manufacturers and remanufacturers"
