package pipeline

import (
	"errors"
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
	c := e.cents
	sign := ""
	if c < 0 {
		sign, c = "-", -c
	}
	frac := strconv.FormatInt(c%100, 10)
	if len(frac) == 1 {
		frac = "0" + frac
	}
	return sign + strconv.FormatInt(c/100, 10) + "." + frac
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

// UnmarshalJSON reads any JSON number of euros, rounding to the cent (half
// away from zero). It is lenient on purpose: workflow histories and plans
// stored before amounts were cents carry plain numbers, and replaying them
// must not fail. Requests are held to ParseEUR instead.
func (e *EUR) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	v, err := parseEUR(string(b), true)
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

// ParseEUR reads a JSON number of euros strictly: at most two decimals
// (trailing zeros aside: 1.500 is 1.50), exponents allowed (4.5e4), under
// 10^13 euros (the validator bounds budgets further). -0 is 0.
func ParseEUR(s string) (EUR, error) { return parseEUR(s, false) }

// parseEUR reads the JSON number grammar digit by digit, so no binary
// floating point ever touches the amount.
func parseEUR(s string, round bool) (EUR, error) {
	i := 0
	neg := false
	if i < len(s) && s[i] == '-' {
		neg = true
		i++
	}
	// digits holds the significant digits; scale is how many of them are
	// decimals (negative: that many zeros follow).
	var digits []byte
	scale := 0
	start := i
	for i < len(s) && isDigit(s[i]) {
		digits = append(digits, s[i])
		i++
	}
	if i == start || (s[start] == '0' && i-start > 1) {
		return EUR{}, ErrNotAmount
	}
	if i < len(s) && s[i] == '.' {
		i++
		fs := i
		for i < len(s) && isDigit(s[i]) {
			digits = append(digits, s[i])
			i++
		}
		if i == fs {
			return EUR{}, ErrNotAmount
		}
		scale = i - fs
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		expNeg := false
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			expNeg = s[i] == '-'
			i++
		}
		es := i
		exp := 0
		for i < len(s) && isDigit(s[i]) {
			if exp < 100000 {
				exp = exp*10 + int(s[i]-'0')
			}
			i++
		}
		if i == es {
			return EUR{}, ErrNotAmount
		}
		if expNeg {
			scale += exp
		} else {
			scale -= exp
		}
	}
	if i != len(s) {
		return EUR{}, ErrNotAmount
	}
	// Drop leading zeros; an all-zero number is 0 whatever its exponent.
	for len(digits) > 0 && digits[0] == '0' {
		digits = digits[1:]
	}
	if len(digits) == 0 {
		return EUR{}, nil
	}
	// Bring the number to cents (scale 2), dropping the digits below the cent.
	roundUp := false
	if scale > 2 {
		drop := scale - 2
		var dropped []byte
		firstDropped := byte('0')
		if drop >= len(digits) {
			dropped, digits = digits, nil
			if drop == len(dropped) {
				firstDropped = dropped[0]
			}
		} else {
			dropped, digits = digits[len(digits)-drop:], digits[:len(digits)-drop]
			firstDropped = dropped[0]
		}
		for _, d := range dropped {
			if d != '0' && !round {
				return EUR{}, ErrTooPrecise
			}
		}
		roundUp = firstDropped >= '5'
		scale = 2
	}
	// 15 digits of cents fit an int64 with room to spare, and hold far more
	// than any budget may be.
	if len(digits)+(2-scale) > 15 {
		return EUR{}, ErrAmountTooHigh
	}
	var n int64
	for _, d := range digits {
		n = n*10 + int64(d-'0')
	}
	for range 2 - scale {
		n *= 10
	}
	if roundUp {
		n++
	}
	if neg {
		n = -n
	}
	return EUR{n}, nil
}

func isDigit(b byte) bool { return b >= '0' && b <= '9' }
