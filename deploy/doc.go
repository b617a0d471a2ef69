// Package deploy holds what runs Puente outside `puente dev`: the compose
// stack's Temporal jobs and config (deploy/temporal), the container's health
// probe (deploy/healthcheck) and the tests that check ../docker-compose.yml —
// loaded with compose-go as `docker compose` would load it, and validated by
// Debian's docker-compose — without a Docker engine. README.md beside this
// file says how to run the stack.
package deploy
