package main

import (
	"flag"
	"fmt"
	"time"

	"github.com/puente-dev/puente/people"
)

// peopleConfig are the settings of users and their tokens.
type peopleConfig struct {
	TokenTTL time.Duration
}

// register adds the people settings to fs; config.register gives them
// their environment twins.
func (p *peopleConfig) register(fs *flag.FlagSet) {
	p.TokenTTL = people.DefaultTokenTTL
	fs.Func("token-ttl", "lifetime of the API tokens issued from now on, e.g. 90d or 36h (env PUENTE_TOKEN_TTL)", p.setTokenTTL)
}

func (p *peopleConfig) setTokenTTL(v string) error {
	d, err := parseDays(v)
	if err != nil || d <= 0 {
		return fmt.Errorf("%q is not a positive duration such as 90d or 36h", v)
	}
	p.TokenTTL = d
	return nil
}
