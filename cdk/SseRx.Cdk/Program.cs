var app = new Amazon.CDK.App();
app.Synth();
