"""The curated public API: exactly these names, each importable and documented."""

import types

import lerkit

EXPECTED = {
    "Check",
    "CheckResult",
    "CheckStatus",
    "DidResolver",
    "KeyType",
    "LerkitError",
    "MethodResolver",
    "PrivateKey",
    "ProblemCode",
    "ProofCheck",
    "ProofOptions",
    "PublicKey",
    "Verdict",
    "VerificationMethod",
    "VerificationReport",
    "VerifyContext",
    "__version__",
    "add_proof",
    "create_presentation",
    "did_key",
    "issue",
    "sign_presentation",
    "verify_credential",
    "verify_presentation",
    "verify_proofs",
}


def test_exported_members_are_exactly_the_curated_list() -> None:
    assert set(lerkit.__all__) == EXPECTED


def test_every_exported_member_exists_and_is_documented() -> None:
    for name in lerkit.__all__:
        member = getattr(lerkit, name)
        if name != "__version__":
            assert member.__doc__, f"{name} has no docstring"


def test_public_members_are_not_private_names() -> None:
    public = {n for n in dir(lerkit) if not n.startswith("_")}
    subpackages = {n for n in public if isinstance(getattr(lerkit, n), types.ModuleType)}
    assert public - subpackages - set(lerkit.__all__) == set()
