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
	"time"

	"github.com/puente-dev/puente/pipeline"
)

// maxPageBytes is the web app's page budget (issue 14): no page over 150 KB,
// the stylesheets cached apart.
const maxPageBytes = 150 * 1024

// scaleWeb times the web app's pages as signed-in people load them: the
// dashboard, the inbox, a filtered list and a priority's page, each through
// the same HTTP server as the API, and records the largest page of each.
// A page over the budget fails the run.
func scaleWeb(ctx context.Context, base, managerToken, focalToken string, requests int, res *ScaleResult) error {
	manager, err := webClient(ctx, base, managerToken)
	if err != nil {
		return fmt.Errorf("sign in the manager: %w", err)
	}
	focal, err := webClient(ctx, base, focalToken)
	if err != nil {
		return fmt.Errorf("sign in the focal point: %w", err)
	}
	ids, err := priorityIDs(ctx, base, managerToken)
	if err != nil {
		return err
	}
	countries := []string{"PE", "CO", "MX", "BR", "AR", "EC", "CL", "BO"}
	words := []string{"investigacion", "lavado", "cooperación", "fiscalía", "money", "network", "crimen", "judicial"}
	stages := []string{"triage", "expert_review", "planning", "validation", "approved"}
	pages := []struct {
		name string
		c    *http.Client
		path func(i int) string
	}{
		{"UI /dashboard (manager)", manager, func(int) string { return "/dashboard" }},
		{"UI / inbox (focal point)", focal, func(int) string { return "/" }},
		{"UI / inbox (manager)", manager, func(int) string { return "/" }},
		{"UI /priorities?stage&country&q (manager)", manager, func(i int) string {
			return fmt.Sprintf("/priorities?stage=%s&country=%s&q=%s", stages[i%len(stages)], countries[i%len(countries)], url.QueryEscape(words[i%len(words)]))
		}},
		{"UI /priorities/{id} (manager)", manager, func(i int) string { return "/priorities/" + ids[i%len(ids)] }},
	}
	if res.PageBytes == nil {
		res.PageBytes = map[string]int{}
	}
	for _, p := range pages {
		warm := max(requests/10, 5)
		var ds []time.Duration
		for i := range warm + requests {
			t0 := time.Now()
			n, err := getPage(ctx, p.c, base+p.path(i))
			if err != nil {
				return fmt.Errorf("%s: %w", p.name, err)
			}
			if i >= warm {
				ds = append(ds, time.Since(t0))
			}
			res.PageBytes[p.name] = max(res.PageBytes[p.name], n)
		}
		if res.PageBytes[p.name] > maxPageBytes {
			return fmt.Errorf("%s: a page of %d bytes is over the %d-byte budget", p.name, res.PageBytes[p.name], maxPageBytes)
		}
		res.Endpoints[p.name] = summarize(ds)
		res.Order = append(res.Order, p.name)
	}
	return nil
}

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
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/v1/priorities?stage="+string(pipeline.Planning)+"&limit=50", nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var page struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&page); err != nil {
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

func getPage(ctx context.Context, c *http.Client, u string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err
	}
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("%s: %.200s", resp.Status, body)
	}
	if !strings.Contains(string(body), "</html>") {
		return 0, fmt.Errorf("not a whole page")
	}
	return len(body), nil
}
