"""Work on a clock or waiting on a provider: scheduler, digests, batch jobs, quiz deadlines."""
