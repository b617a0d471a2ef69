// Package deploy holds what runs Puente outside `puente dev`: the compose
// stack's Temporal jobs and config (deploy/temporal), the container's health
// probe (deploy/healthcheck), and prod-check (deploy/prodcheck), a module of
// its own that runs the compose topology without Docker and holds the tests
// of ../docker-compose.yml. README.md beside this file says how to run the
// stack.
package deploy
