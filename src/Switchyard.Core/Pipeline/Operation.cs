namespace Switchyard.Pipeline;

public enum Operation { Chat, Embeddings }
