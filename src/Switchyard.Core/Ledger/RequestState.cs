namespace Switchyard.Ledger;

/// <summary>Where a request stands in the ledger. Stored as its lower-case name.</summary>
public enum RequestState
{
    /// <summary>Admitted and sent upstream; written before the call so that a crash leaves a trace.</summary>
    Pending,
    /// <summary>Answered in full; billed.</summary>
    Completed,
    /// <summary>Ended with an error (upstream or gateway); billed only for what was delivered.</summary>
    Failed,
    /// <summary>The client went away; billed for what the upstream produced.</summary>
    Cancelled,
    /// <summary>Refused before any upstream call (401/402/403/429 ...); never billed.</summary>
    Rejected,
    /// <summary>Found pending after a restart: the process died with the call in flight. Charged its reservation, flagged.</summary>
    Interrupted,
}
