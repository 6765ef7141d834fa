Console.WriteLine("The load client is being written; see the README performance section.");
