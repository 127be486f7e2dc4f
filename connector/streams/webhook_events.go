package streams

// webhookEvents is the stream of the Zoom webhook events that serve
// verified and stored, read from the store instead of Zoom: each read
// emits only the events of one Zoom account (the config's account_id, or
// the account that connected the --tenant), in arrival order, after the
// position the state keeps for that account. Off by default: a read
// names it (or the config enables it) where serve's store is reachable.
func webhookEvents() Stream {
	return Stream{
		Name:         "webhook_events",
		Doc:          "Zoom webhook events that serve verified and stored, per account, in arrival order (read from the serve store, not from Zoom).",
		Source:       SourceStore,
		PrimaryKey:   pk("position"),
		Cursor:       "position",
		OffByDefault: true,
	}
}
