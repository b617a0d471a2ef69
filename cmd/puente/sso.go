package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/url"
	"strings"

	"github.com/puente-dev/puente/sso"
	"github.com/puente-dev/puente/store"
)

// ssoConfig is single sign-on's identity provider and Puente's registration
// with it. The client secret may come from PUENTE_OIDC_CLIENT_SECRET_FILE
// (twin), a mounted secret.
type ssoConfig struct {
	Issuer, ClientID, ClientSecret string
}

// register adds the single sign-on settings to fs.
func (s *ssoConfig) register(fs *flag.FlagSet) {
	fs.StringVar(&s.Issuer, "oidc-issuer", "", "the OpenID provider's issuer URL; empty: no single sign-on (env PUENTE_OIDC_ISSUER)")
	fs.StringVar(&s.ClientID, "oidc-client-id", "", "Puente's client ID at the provider (env PUENTE_OIDC_CLIENT_ID)")
	fs.StringVar(&s.ClientSecret, "oidc-client-secret", "",
		"Puente's client secret at the provider (prefer PUENTE_OIDC_CLIENT_SECRET_FILE) (env PUENTE_OIDC_CLIENT_SECRET)")
}

// validate refuses a half-configured single sign-on: one that would
// silently be off, or fail at its first sign-in.
func (s *ssoConfig) validate() error {
	if s.Issuer == "" {
		if s.ClientID != "" || s.ClientSecret != "" {
			return errors.New("oidc-issuer (PUENTE_OIDC_ISSUER) is empty but a client ID or secret is set: set the issuer, or neither")
		}
		return nil
	}
	if u, err := url.Parse(s.Issuer); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("oidc-issuer (PUENTE_OIDC_ISSUER) %q: want the provider's URL, such as https://login.example.org", s.Issuer)
	}
	if s.ClientID == "" {
		return errors.New("oidc-client-id (PUENTE_OIDC_CLIENT_ID) is required with PUENTE_OIDC_ISSUER")
	}
	if s.ClientSecret == "" {
		return errors.New("oidc-client-secret (PUENTE_OIDC_CLIENT_SECRET, or a file named by PUENTE_OIDC_CLIENT_SECRET_FILE) is required with PUENTE_OIDC_ISSUER: without it every sign-in would fail at the provider")
	}
	return nil
}

// config is the flow's configuration: people come back from the provider
// to the callback under baseURL, and after signing out to the signed-out
// page under it; both must be registered there.
func (s *ssoConfig) config(baseURL string) (sso.Config, error) {
	if baseURL == "" {
		return sso.Config{}, errors.New("set PUENTE_BASE_URL (--base-url): single sign-on sends people back to it")
	}
	base := strings.TrimRight(baseURL, "/")
	return sso.Config{Issuer: s.Issuer, ClientID: s.ClientID, ClientSecret: s.ClientSecret,
		RedirectURL: base + sso.CallbackPath, PostLogoutURL: base + sso.SignedOutPath}, nil
}

// check runs single sign-on's self-check at start, before anything else
// starts (sso.Check): a provider that does not answer, or refuses the
// client's credentials, stops the command with one sentence naming the
// setting; one that takes them is logged, with what the provider must
// have registered. Nothing when single sign-on is off.
func (s *ssoConfig) check(ctx context.Context, baseURL string, log *slog.Logger) error {
	if s.Issuer == "" {
		return nil
	}
	cfg, err := s.config(baseURL)
	if err != nil {
		return err
	}
	method, logout, err := sso.Check(ctx, cfg)
	switch {
	case errors.Is(err, sso.ErrClientRefused):
		return fmt.Errorf("single sign-on: %v, so every sign-in would fail: check oidc-client-secret (PUENTE_OIDC_CLIENT_SECRET, "+
			"or the file PUENTE_OIDC_CLIENT_SECRET_FILE names) and oidc-client-id (PUENTE_OIDC_CLIENT_ID)", err)
	case errors.Is(err, sso.ErrInconclusive):
		log.Warn("single sign-on: the self-check could not tell whether the client secret is right; a wrong one shows at the first sign-in", "error", err)
	case err != nil:
		return fmt.Errorf("single sign-on (PUENTE_OIDC_ISSUER): %w", err)
	}
	log.Info("single sign-on on", "issuer", s.Issuer, "client_id", s.ClientID, "client_secret_sent_with", method,
		"redirect_url", cfg.RedirectURL, "post_logout_redirect_url", cfg.PostLogoutURL, "provider_sign_out", logout)
	return nil
}

// provider connects to the identity provider (its discovery document),
// or returns nil when single sign-on is off. check has run first.
func (s *ssoConfig) provider(ctx context.Context, baseURL string, st *store.Store, log *slog.Logger) (*sso.Provider, error) {
	if s.Issuer == "" {
		return nil, nil
	}
	cfg, err := s.config(baseURL)
	if err != nil {
		return nil, err
	}
	p, err := sso.New(ctx, cfg, st, log)
	if err != nil {
		return nil, fmt.Errorf("single sign-on (PUENTE_OIDC_ISSUER): %w", err)
	}
	return p, nil
}
