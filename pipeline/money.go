package pipeline

import (
	"errors"
	"fmt"
	"math/big"
	"regexp"
	"strconv"
)

// EUR is an amount of euros held as whole cents, so that sums, the store's
// numeric(14,2) column and the exports are exact: 0.1 + 0.2 is 0.30, and
// 0.005 cannot be written at all. In JSON it is a number of euros, as
// budget_eur has always been: 45000, 1234.5, 0.05.
type EUR struct{ cents int64 }

// Cents is the amount of n cents.
func Cents(n int64) EUR { return EUR{n} }

// Euros is the amount of n whole euros.
func Euros(n int64) EUR { return EUR{n * 100} }

// MaxEUR is the largest budget a support action may have.
var MaxEUR = Euros(1_000_000_000)

// Cents is the amount in cents.
func (e EUR) Cents() int64 { return e.cents }

// Add is e + o.
func (e EUR) Add(o EUR) EUR { return EUR{e.cents + o.cents} }

// IsZero reports whether the amount is 0.
func (e EUR) IsZero() bool { return e.cents == 0 }

// String formats the amount with exactly two decimals, as the exports do: "1234.50".
func (e EUR) String() string {
	c, sign := e.cents, ""
	if c < 0 {
		sign, c = "-", -c
	}
	return fmt.Sprintf("%s%d.%02d", sign, c/100, c%100)
}

// MarshalJSON writes the amount as a JSON number of euros without trailing
// zeros: 45000, 1234.5, 0.05.
func (e EUR) MarshalJSON() ([]byte, error) {
	s := e.String()
	switch {
	case s[len(s)-3:] == ".00":
		s = s[:len(s)-3]
	case s[len(s)-1] == '0':
		s = s[:len(s)-1]
	}
	return []byte(s), nil
}

// UnmarshalJSON reads a JSON number of euros strictly, as ParseEUR does.
func (e *EUR) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	v, err := ParseEUR(string(b))
	if err != nil {
		return err
	}
	*e = v
	return nil
}

// Errors of ParseEUR.
var (
	ErrNotAmount     = errors.New("not a number of euros")
	ErrTooPrecise    = errors.New("more than two decimals")
	ErrAmountTooHigh = errors.New("too large")
)

// jsonNumber is JSON's number grammar: the mantissa, then the exponent.
var jsonNumber = regexp.MustCompile(`^(-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?)(?:[eE]([+-]?[0-9]+))?$`)

// maxCents bounds amounts below 10^13 euros, far above any budget (the
// validator bounds budgets further) and well inside an int64 of cents.
var maxCents = new(big.Int).Exp(big.NewInt(10), big.NewInt(15), nil)

// ParseEUR reads a JSON number of euros strictly: at most two decimals
// (trailing zeros aside: 1.500 is 1.50), exponents allowed (4.5e4), under
// 10^13 euros. -0 is 0. No binary floating point ever touches the amount.
func ParseEUR(s string) (EUR, error) {
	m := jsonNumber.FindStringSubmatch(s)
	if m == nil {
		return EUR{}, ErrNotAmount
	}
	mantissa, exp := m[1], 0
	if m[2] != "" {
		// Out of an int's range, Atoi gives the nearest int: as good.
		exp, _ = strconv.Atoi(m[2])
	}
	r, _ := new(big.Rat).SetString(mantissa)
	if r.Sign() == 0 {
		return EUR{}, nil
	}
	// A non-zero mantissa of n characters lies between 10^-n and 10^n in
	// size, so an exponent beyond that decides without arithmetic (and
	// 1e999999999 costs nothing).
	switch n := len(mantissa); {
	case exp > n+15:
		return EUR{}, ErrAmountTooHigh
	case exp < -n-2:
		return EUR{}, ErrTooPrecise
	}
	scale := new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(max(exp+2, -exp-2))), nil))
	if exp+2 < 0 {
		scale.Inv(scale)
	}
	r.Mul(r, scale)
	switch {
	case !r.IsInt():
		return EUR{}, ErrTooPrecise
	case r.Num().CmpAbs(maxCents) >= 0:
		return EUR{}, ErrAmountTooHigh
	}
	return EUR{r.Num().Int64()}, nil
}
