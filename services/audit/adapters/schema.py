"""The evidence log's tables (SQLAlchemy Core), shared by the store and the migrations."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

#: One row per leaf; leaf_data is exactly the bytes the leaf hash commits to.
leaves = Table(
    "audit_leaves",
    metadata,
    Column("leaf_index", BigInteger, primary_key=True, autoincrement=False),
    Column("event_id", String(128), nullable=False, unique=True),
    Column("kind", String(128), nullable=False),
    Column("debtor_id", String(128), index=True),
    Column("loan_id", String(128), index=True),
    Column("leaf_data", LargeBinary, nullable=False),
    Column("ciphertext", LargeBinary, nullable=False),
    Column("recorded_at", DateTime(timezone=True)),
)

#: Hashes of complete subtrees: (level, index) covers 2^level leaves.
nodes = Table(
    "audit_tree_nodes",
    metadata,
    Column("level", Integer, primary_key=True, autoincrement=False),
    Column("node_index", BigInteger, primary_key=True, autoincrement=False),
    Column("hash", LargeBinary(32), nullable=False),
)

checkpoints = Table(
    "audit_checkpoints",
    metadata,
    Column("tree_size", BigInteger, primary_key=True, autoincrement=False),
    Column("root", LargeBinary(32), nullable=False),
    Column("note", Text, nullable=False),
    Column("signed_at", DateTime(timezone=True), nullable=False),
    Column("timestamp_token", LargeBinary),
)

#: Per-debtor data keys, wrapped by the master key; erasure clears the wrapped key.
data_keys = Table(
    "audit_data_keys",
    metadata,
    Column("key_ref", String(160), primary_key=True),
    Column("wrapped_key", LargeBinary),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("erased_at", DateTime(timezone=True)),
)

#: What the public verification page may say about a message code, and nothing more.
verification_codes = Table(
    "audit_verification_codes",
    metadata,
    Column("code", String(16), primary_key=True),
    Column("leaf_index", BigInteger, nullable=False),
    Column("sent_at", DateTime(timezone=True), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("account_masked", String(16)),
)

#: A code registered before its message was confirmed (possibly sent), and what it became (not
#: sent); a row per change, the latest by leaf the current one, unless the code was sent.
code_states = Table(
    "audit_code_states",
    metadata,
    Column("code", String(16), primary_key=True),
    Column("leaf_index", BigInteger, primary_key=True),
    Column("status", String(16), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("account_masked", String(16)),
)

APPEND_ONLY = (
    "audit_leaves",
    "audit_tree_nodes",
    "audit_checkpoints",
    "audit_verification_codes",
    "audit_code_states",
)
