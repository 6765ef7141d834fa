Console.WriteLine("The ingest simulator is being written; see the README.");
