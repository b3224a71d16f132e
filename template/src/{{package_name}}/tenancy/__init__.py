"""Framework-agnostic tenancy core.

- context:      the current tenant of this request (contextvars)
- resolvers/:   which tenant a request names (one module per way of naming it)
- admission:    what the web glue calls per request: the tenant and its rate-limit headers
- registry:     tenant lookup with a small TTL cache
- isolation:    where the tenant is set on the connection
- db:           tenant-scoped database access for the chosen data layer
- provisioning: tenant lifecycle (create, suspend, resume, plan, delete)
- roles:        the API's database role and its safety checks
- audit:        `check`, the isolation audit
"""
