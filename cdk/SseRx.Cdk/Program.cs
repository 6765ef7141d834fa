using Amazon.CDK;
using SseRx.Cdk;

var app = new App();
SseRxApp.Build(app);
app.Synth();
