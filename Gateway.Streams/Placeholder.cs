namespace Gateway.Streams; /// <summary>x</summary>
public static class Placeholder {}
