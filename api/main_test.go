package api_test

import (
	"testing"

	"github.com/puente-dev/puente/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }
