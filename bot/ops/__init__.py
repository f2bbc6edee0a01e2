"""Operations: train the model, render Rasa's configuration, start and stop the processes."""
