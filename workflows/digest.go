package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/puente-dev/puente/activities"
)

// DigestScheduleID is the Temporal Schedule that starts Digest every day;
// DigestWorkflowID prefixes the IDs of the runs it starts.
const (
	DigestScheduleID = "puente-digest"
	DigestWorkflowID = "puente-digest"
)

// DigestInput configures the daily digest's runs.
type DigestInput struct {
	// TimeZone names the calendar whose day each run covers, e.g. UTC or America/Lima.
	TimeZone string `json:"time_zone"`
}

// Digest is one day's run of the daily digest: one activity that emails
// every reader their pending tasks, retried with backoff for most of the day
// if the mail server is away. Its start time, fixed in its history, decides
// the day, so a retry never sends a second digest.
func Digest(ctx workflow.Context, in DigestInput) (activities.DigestResult, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout:    30 * time.Minute,
		HeartbeatTimeout:       time.Minute,
		ScheduleToCloseTimeout: 20 * time.Hour,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:    30 * time.Second,
			BackoffCoefficient: 2,
			MaximumInterval:    30 * time.Minute,
		},
	})
	var res activities.DigestResult
	err := workflow.ExecuteActivity(ctx, a.SendDigests, activities.DigestInput{At: workflow.Now(ctx), TimeZone: in.TimeZone}).Get(ctx, &res)
	return res, err
}
