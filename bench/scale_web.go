package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"

	"github.com/puente-dev/puente/internal/journey"
	"github.com/puente-dev/puente/pipeline"
)

// maxPageBytes is the web app's page budget: no page over 150 KB,
// the stylesheets cached apart.
const maxPageBytes = 150 * 1024

// webClient signs in to the web app with a personal token, as the sign-in
// page does, and keeps the session cookie.
func webClient(ctx context.Context, base, token string) (*http.Client, error) {
	jar, err := cookiejar.New(nil)
	if err != nil {
		return nil, err
	}
	c := &http.Client{Jar: jar, Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/signin", strings.NewReader(url.Values{"token": {token}}.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", base)
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	u, _ := url.Parse(base)
	if resp.StatusCode != http.StatusOK || len(jar.Cookies(u)) == 0 {
		return nil, fmt.Errorf("sign-in answered %s and no session", resp.Status)
	}
	return c, nil
}

// priorityIDs picks priorities in planning, which have a plan, events and
// the decisions of a busy page.
func priorityIDs(ctx context.Context, base, token string) ([]string, error) {
	body, err := journey.Fetch(ctx, http.DefaultClient, base+"/v1/priorities?stage="+string(pipeline.Planning)+"&limit=50", token)
	if err != nil {
		return nil, fmt.Errorf("list priorities: %w", err)
	}
	var page struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	if err := json.Unmarshal(body, &page); err != nil {
		return nil, fmt.Errorf("list priorities: %w", err)
	}
	if len(page.Items) == 0 {
		return nil, fmt.Errorf("no priority in planning to open")
	}
	ids := make([]string, len(page.Items))
	for i, it := range page.Items {
		ids[i] = it.ID
	}
	return ids, nil
}

// served reports whether the server has the page: anything but 404.
func served(ctx context.Context, c *http.Client, url, token string) (bool, error) {
	req, err := journey.NewRequest(ctx, http.MethodGet, url, token, nil)
	if err != nil {
		return false, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return false, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode != http.StatusNotFound, nil
}
