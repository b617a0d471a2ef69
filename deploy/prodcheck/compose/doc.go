// Package compose holds the tests that check ../docker-compose.yml as
// `docker compose` would load it (with compose-go) and as Debian's
// docker-compose validates it, without a Docker engine, and that the tools
// prod-check builds are the releases the compose file runs. The tests run
// in deploy/, the directory the compose file's paths are checked from.
package compose
