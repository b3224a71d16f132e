"""Run by `tests/pooler.py` with a rendered project's own Python (which has psycopg and the
project's package): `python pooler_agent.py PACKAGE ISOLATION COMMAND [ARGS...]`, prints JSON.

- `where`: the project's PostgreSQL as the project itself finds it (socket folder or host,
  port, control database) and its app role.
- `plant HOST PORT CONNECTIONS TENANT_JSON`: session state on every server connection behind
  the pooler at HOST:PORT, as the app role: `CONNECTIONS` transactions held open at once per
  database (so each takes a different server connection), each leaving a session-level
  `app.tenant_id` and `search_path` of the tenant, and psycopg's statement names `_pg3_0` ..
  `_pg3_9` prepared as statements that bind that tenant.
- `stored TENANTS_JSON`: each tenant's order ids, read with owner connections, direct.
"""

import importlib
import json
import sys
from contextlib import ExitStack

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

PLANTED_STATEMENTS = 10  # _pg3_0 .. _pg3_9


def main(package: str, isolation: str, command: str, *args: str) -> object:
    postgres = importlib.import_module(f"{package}.postgres")
    settings = importlib.import_module(f"{package}.settings").get_settings()
    identifiers = importlib.import_module(f"{package}.tenancy.identifiers")

    def tenant_database(slug: str) -> str | None:
        return identifiers.database_name(slug) if isolation == "database" else None

    def tenant_schema(slug: str) -> str:
        return identifiers.schema_name(slug) if isolation == "schema" else "public"

    if command == "where":
        params = conninfo_to_dict(postgres.owner_conninfo())
        return {
            "host": params.get("host", ""),
            "port": str(params.get("port", "5432")),
            "dbname": params["dbname"],
            "app_user": settings.app_db_user,
        }

    if command == "plant":
        host, port, connections, tenant = args[0], args[1], int(args[2]), json.loads(args[3])
        with postgres.owner_connection() as owner:
            control = owner.execute("SELECT current_database()").fetchone()[0]
            slugs = [slug for (slug,) in owner.execute("SELECT slug FROM tenants").fetchall()]
        databases = [control] + [tenant_database(slug) for slug in slugs if tenant_database(slug)]
        schema = tenant_schema(tenant["slug"])
        bind = sql.SQL(
            "SELECT set_config('app.tenant_id', {tenant}, true)"
            " || set_config('search_path', {path}, true) || $1"
        ).format(tenant=str(tenant["id"]), path=sql.Identifier(schema).as_string())
        planted = 0
        for database in databases:
            conninfo = make_conninfo(postgres.app_conninfo(), host=host, port=port, dbname=database)
            with ExitStack() as stack:
                held = [stack.enter_context(psycopg.connect(conninfo)) for _ in range(connections)]
                for conn in held:  # each in its own open transaction: a server connection each
                    conn.execute(
                        sql.SQL("SET app.tenant_id = {}").format(sql.Literal(str(tenant["id"])))
                    )
                    conn.execute(sql.SQL("SET search_path = {}").format(sql.Identifier(schema)))
                    conn.execute("DEALLOCATE ALL")  # names a client prepared here: ours now
                    for n in range(PLANTED_STATEMENTS):
                        name = sql.Identifier(f"_pg3_{n}")
                        conn.execute(sql.SQL("PREPARE {}(text) AS {}").format(name, bind))
                    planted += 1
                for conn in held:
                    conn.commit()  # session-level SET and PREPARE outlive the transaction
        return {"databases": databases, "server_connections_planted": planted}

    if command == "stored":
        tenants = json.loads(args[0])  # slug -> id
        stored = {}
        for slug, tenant_id in tenants.items():
            schema = sql.Identifier(tenant_schema(slug))
            query = sql.SQL("SELECT id::text FROM {}.orders").format(schema)
            params: tuple = ()
            if isolation == "rls":
                query += sql.SQL(" WHERE tenant_id = %s")
                params = (tenant_id,)
            with postgres.owner_connection(tenant_database(slug)) as owner:
                stored[slug] = sorted(row[0] for row in owner.execute(query, params).fetchall())
        return stored

    raise SystemExit(f"unknown command {command!r}")


if __name__ == "__main__":
    print(json.dumps(main(*sys.argv[1:])))
