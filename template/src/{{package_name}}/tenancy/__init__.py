"""Framework-agnostic tenancy core.

- context:      the current tenant of this request (contextvars)
- resolvers:    which tenant a request names
- registry:     tenant lookup with a small TTL cache
- isolation:    where the tenant is set on the connection
- db:           tenant-scoped database access for the chosen data layer
- provisioning: tenant lifecycle (create, suspend, resume, delete)
- roles:        the API's database role and its safety checks
- audit:        `check`, the isolation audit
"""
