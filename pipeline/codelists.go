package pipeline

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
)

// codelistsJSON is a copy of the programme's reference data (shared/codelists.json).
//
//go:embed codelists.json
var codelistsJSON []byte

// Theme is a thematic line of the programme, with its OECD DAC purpose code.
type Theme struct {
	Code       string `json:"code"`
	EN         string `json:"en"`
	ES         string `json:"es"`
	IATISector string `json:"iati_sector"`
}

// Country is a CELAC member state.
type Country struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// Codelists is the reference data served at GET /v1/codelists.
type Codelists struct {
	Themes       []Theme    `json:"themes"`
	Countries    []Country  `json:"countries"`
	Pillars      []string   `json:"pillars"`
	SupportTypes []string   `json:"support_types"`
	Stages       []Stage    `json:"stages"`
	Decisions    []Decision `json:"decisions"`
	Roles        []Role     `json:"roles"`
	Urgencies    []string   `json:"urgencies"`
	Sensitivity  []string   `json:"sensitivities"`
	SessionKinds []string   `json:"session_kinds"`
	IATI         IATI       `json:"iati"`
	// The codelists of delivery.
	Partners       []Partner       `json:"implementing_partners"`
	EUAgencies     []EUAgency      `json:"eu_agencies"`
	DeliveryStages []DeliveryStage `json:"delivery_stages"`
	DeliveryActs   []DeliveryAct   `json:"delivery_acts"`
}

// IATI holds the codes Puente's IATI export uses.
type IATI struct {
	PolicyMarkerGender struct {
		Vocabulary string `json:"vocabulary"`
		Code       string `json:"code"`
	} `json:"policy_marker_gender"`
	SDGTag struct {
		Vocabulary string `json:"vocabulary"`
		Code       string `json:"code"`
		Text       string `json:"text"`
	} `json:"sdg_tag"`
}

// Lists is the parsed reference data.
var Lists = mustParseCodelists(codelistsJSON)

// Partner is an implementing partner of the programme's consortium. Its
// name is the institution's own; the catalogues say what it is.
type Partner struct {
	Code    string `json:"code"`
	Name    string `json:"name"`
	Country string `json:"country"`
	Lead    bool   `json:"lead,omitempty"`
}

// Partners are the consortium's implementing partners, in codelist order.
var Partners = mustParse[[]Partner]("implementing_partners")

// CountryLanguages maps a CELAC country code to the language a person from
// that country most likely reads (ISO 639-1): a default, never a constraint.
var CountryLanguages = mustParse[map[string]string]("country_languages")

func mustParse[T any](key string) T {
	var raw map[string]json.RawMessage
	var v T
	if err := json.Unmarshal(codelistsJSON, &raw); err != nil {
		panic(fmt.Sprintf("pipeline: embedded codelists.json: %v", err))
	}
	if err := json.Unmarshal(raw[key], &v); err != nil {
		panic(fmt.Sprintf("pipeline: embedded codelists.json: %s: %v", key, err))
	}
	return v
}

func mustParseCodelists(b []byte) Codelists {
	var raw struct {
		Themes       []Theme     `json:"themes"`
		Pillars      []string    `json:"pillars"`
		SupportTypes []string    `json:"support_types"`
		IATI         IATI        `json:"iati"`
		Countries    [][2]string `json:"countries"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		panic(fmt.Sprintf("pipeline: embedded codelists.json: %v", err))
	}
	c := Codelists{
		Themes: raw.Themes, Pillars: raw.Pillars, SupportTypes: raw.SupportTypes, IATI: raw.IATI,
		Stages: Stages, Decisions: Decisions, Roles: Roles,
		Urgencies: Urgencies, Sensitivity: Sensitivities, SessionKinds: SessionKinds,
		Partners: Partners, EUAgencies: EUAgencies, DeliveryStages: DeliveryStages, DeliveryActs: DeliveryActs,
	}
	for _, kv := range raw.Countries {
		c.Countries = append(c.Countries, Country{Code: kv[0], Name: kv[1]})
	}
	return c
}

// ThemeByCode finds a theme.
func (c Codelists) ThemeByCode(code string) (Theme, bool) {
	i := slices.IndexFunc(c.Themes, func(t Theme) bool { return t.Code == code })
	if i < 0 {
		return Theme{}, false
	}
	return c.Themes[i], true
}

// CountryByCode finds a country.
func (c Codelists) CountryByCode(code string) (Country, bool) {
	i := slices.IndexFunc(c.Countries, func(t Country) bool { return t.Code == code })
	if i < 0 {
		return Country{}, false
	}
	return c.Countries[i], true
}

// ThemeCodes lists the theme codes in codelist order.
func (c Codelists) ThemeCodes() []string {
	out := make([]string, len(c.Themes))
	for i, t := range c.Themes {
		out[i] = t.Code
	}
	return out
}

// CountryCodes lists the country codes in codelist order.
func (c Codelists) CountryCodes() []string {
	out := make([]string, len(c.Countries))
	for i, t := range c.Countries {
		out[i] = t.Code
	}
	return out
}
