-- OAuth 2.0 clients (client credentials grant). Each client acts through an account of its own
-- (role, unit, active and token version live there, so its tokens are sessions checked like
-- every other); the secret is kept as its SHA-256 digest only.
CREATE TABLE api_clients (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES users (id),
    client_id TEXT NOT NULL,
    name TEXT NOT NULL,
    secret_digest TEXT NOT NULL,
    requests_per_minute INTEGER CHECK (requests_per_minute BETWEEN 1 AND 100000),
    secret_rotated_at TIMESTAMP NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX api_clients_user_idx ON api_clients (user_id);
CREATE UNIQUE INDEX api_clients_client_id_idx ON api_clients (client_id);
