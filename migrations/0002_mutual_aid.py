from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops

from fedaid.models.agreement import AgreementState
from fedaid.models.category import CategoryFamily
from fedaid.models.proposal import ProposalPurpose

# Full-text search over posts (title, text, tags, and facet tokens for the filters), one structure
# per dialect; fedaid.domain.search keeps it filled. Written out here, not imported, so this
# migration never changes after release.
SEARCH_INDEX_SQL = {
    "sqlite": [
        "CREATE VIRTUAL TABLE post_search USING fts5("
        "title, body, tags, facets, tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3')",
        "CREATE TRIGGER post_search_forget AFTER DELETE ON post BEGIN "
        "DELETE FROM post_search WHERE rowid = old.id; END",
        "CREATE TRIGGER post_search_forget_deleted AFTER UPDATE OF deleted_at ON post "
        "WHEN new.deleted_at IS NOT NULL BEGIN DELETE FROM post_search WHERE rowid = new.id; END",
    ],
    "postgres": [
        "CREATE TABLE post_search (post_id BIGINT PRIMARY KEY REFERENCES post (id) ON DELETE CASCADE, "
        "document TSVECTOR NOT NULL)",
        # Without the pending list, a search never scans unmerged entries: steady reads, slower bulk loads.
        "CREATE INDEX post_search_document ON post_search USING GIN (document) WITH (fastupdate = off)",
        "CREATE FUNCTION post_search_forget() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN DELETE FROM post_search WHERE post_id = NEW.id; RETURN NULL; END $$",
        "CREATE TRIGGER post_search_forget_deleted AFTER UPDATE OF deleted_at ON post FOR EACH ROW "
        "WHEN (NEW.deleted_at IS NOT NULL) EXECUTE FUNCTION post_search_forget()",
    ],
}
DROP_SEARCH_INDEX_SQL = {
    "sqlite": [
        "DROP TRIGGER IF EXISTS post_search_forget_deleted",
        "DROP TRIGGER IF EXISTS post_search_forget",
        "DROP TABLE IF EXISTS post_search",
    ],
    "postgres": [
        "DROP TRIGGER IF EXISTS post_search_forget_deleted ON post",
        "DROP FUNCTION IF EXISTS post_search_forget()",
        "DROP TABLE IF EXISTS post_search",
    ],
}


async def _run_each(schema_editor, statements: list[str]) -> None:
    # Statement by statement, unsplit: the SQLite editor would cut the trigger body at its ';'.
    for statement in statements:
        if schema_editor.collect_sql:
            schema_editor.collected_sql.append(statement)
        else:
            await schema_editor.client.execute_script(statement)


async def create_search_index(apps, schema_editor) -> None:
    await _run_each(schema_editor, SEARCH_INDEX_SQL[schema_editor.client.capabilities.dialect])


async def drop_search_index(apps, schema_editor) -> None:
    await _run_each(schema_editor, DROP_SEARCH_INDEX_SQL[schema_editor.client.capabilities.dialect])


class Migration(migrations.Migration):
    dependencies = [("models", "0001_initial")]

    initial = False

    operations = [
        ops.CreateModel(
            name="Agreement",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("ap_id", fields.CharField(null=True, unique=True, max_length=512)),
                (
                    "proposal",
                    fields.ForeignKeyField(
                        "models.Proposal",
                        source_field="proposal_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="agreements",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "response",
                    fields.ForeignKeyField(
                        "models.Post",
                        source_field="response_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="response_agreements",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                (
                    "provider",
                    fields.ForeignKeyField(
                        "models.Actor",
                        source_field="provider_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="agreements_given",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "receiver",
                    fields.ForeignKeyField(
                        "models.Actor",
                        source_field="receiver_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="agreements_received",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("hours", fields.DecimalField(max_digits=8, decimal_places=2)),
                (
                    "state",
                    fields.CharEnumField(
                        default=AgreementState.OFFERED,
                        db_index=True,
                        description="OFFERED: offered\nACCEPTED: accepted\nREJECTED: rejected\nFULFILLED: fulfilled\nCANCELLED: cancelled",
                        enum_type=AgreementState,
                        max_length=16,
                    ),
                ),
                ("offer_activity_id", fields.CharField(null=True, unique=True, max_length=512)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={
                "table": "agreement",
                "app": "models",
                "pk_attr": "id",
                "table_description": "Who helps whom, for how many hours. `ap_id` is minted by the server of the proposal author, null until then.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="AlertSubscription",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "actor",
                    fields.ForeignKeyField(
                        "models.Actor",
                        source_field="actor_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="alert_subscriptions",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "purpose",
                    fields.CharEnumField(
                        null=True,
                        description="OFFER: offer\nREQUEST: request",
                        enum_type=ProposalPurpose,
                        max_length=16,
                    ),
                ),
                ("category", fields.CharField(default="", db_index=True, max_length=64)),
                ("tag", fields.CharField(default="", db_index=True, max_length=100)),
                ("place_name", fields.CharField(default="", max_length=200)),
                ("latitude", fields.FloatField(null=True)),
                ("longitude", fields.FloatField(null=True)),
                ("radius_km", fields.FloatField(null=True)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "alert_subscription",
                "app": "models",
                "pk_attr": "id",
                "table_description": "Every criterion set must hold: category, tag, purpose, and distance when a place is given.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Category",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("slug", fields.CharField(unique=True, max_length=64)),
                ("name_fr", fields.CharField(max_length=100)),
                ("name_en", fields.CharField(max_length=100)),
                (
                    "family",
                    fields.CharEnumField(
                        description="COACHING: coaching\nSERVICES: services\nCOLLECTIVE: collective",
                        enum_type=CategoryFamily,
                        max_length=16,
                    ),
                ),
                ("position", fields.IntField(default=0)),
                ("is_active", fields.BooleanField(default=True)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "category",
                "app": "models",
                "pk_attr": "id",
                "table_description": "A kind of help. `slug` is also the hashtag a proposal carries, so it is one lowercase word.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Exchange",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "agreement",
                    fields.OneToOneField(
                        "models.Agreement",
                        source_field="agreement_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="exchange",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("hours", fields.DecimalField(max_digits=8, decimal_places=2)),
                ("provider_confirmed_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("receiver_confirmed_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("provider_confirmation_ap_id", fields.CharField(null=True, unique=True, max_length=512)),
                ("receiver_confirmation_ap_id", fields.CharField(null=True, unique=True, max_length=512)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "exchange",
                "app": "models",
                "pk_attr": "id",
                "table_description": "Hours given under one agreement. The ledger counts it once both confirmation times are set.",
            },
            bases=["Model"],
        ),
        ops.RunPython(create_search_index, drop_search_index),
    ]
