"""Recurrent classification heads that read a CNN feature map as a sequence."""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["SequenceHead", "HEADS"]

#: head name -> what it is.
HEADS = {
    "linear": "the backbone's own classifier with a new output layer (classic fine-tuning)",
    "bilstm": "bidirectional LSTM over the H*W positions of the feature map (Aravindkumaran et al. 2025)",
    "gru": "GRU over the feature map, then dense + dropout (the CNN-GRU of Yousif et al.)",
}


class SequenceHead(nn.Module):
    """Read an ``(N, C, H, W)`` feature map as ``H * W`` tokens of size ``C``.

    The tokens run row by row (raster order) through a recurrent layer; the
    final hidden state of each direction is concatenated, optionally passed
    through a dense ReLU layer, then dropout and a linear layer give the
    class logits (softmax is applied by the loss / ``predict_proba``).

    Parameters
    ----------
    in_channels : int
        ``C`` of the feature map.
    n_classes : int
        Number of output logits.
    cell : {"lstm", "gru"}, default="lstm"
        The recurrent layer.
    bidirectional : bool, default=True
        Read the tokens in both directions (forward and backward).
    hidden_size : int, default=128
        Units of the recurrent layer (per direction).
    dense_size : int or None, default=None
        Units of the dense layer before the output, or ``None`` for none.
    dropout : float, default=0.3
        Dropout probability before the output layer.

    See Also
    --------
    HEADS : the heads :class:`DeepClassifier` offers.

    Examples
    --------
    The BiLSTM head of MobileNet-BiLSTM (Aravindkumaran et al. 2025) on a
    4 x 4 map of 32 channels:

    >>> import torch
    >>> from featleuk.models import SequenceHead
    >>> head = SequenceHead(32, 3, cell="lstm", bidirectional=True, hidden_size=8)
    >>> head(torch.zeros(2, 32, 4, 4)).shape
    torch.Size([2, 3])
    """

    def __init__(self, in_channels, n_classes, *, cell="lstm", bidirectional=True,
                 hidden_size=128, dense_size=None, dropout=0.3):
        super().__init__()
        rnn = {"lstm": nn.LSTM, "gru": nn.GRU}[cell]
        self.rnn = rnn(in_channels, hidden_size, batch_first=True, bidirectional=bidirectional)
        width = hidden_size * (2 if bidirectional else 1)
        layers = []
        if dense_size:
            layers += [nn.Linear(width, dense_size), nn.ReLU(inplace=True)]
            width = dense_size
        layers += [nn.Dropout(dropout), nn.Linear(width, n_classes)]
        self.classifier = nn.Sequential(*layers)

    def forward(self, fmap: torch.Tensor) -> torch.Tensor:
        """Class logits of a batch of feature maps.

        Parameters
        ----------
        fmap : torch.Tensor of shape (N, C, H, W)
            Feature maps, ``C = in_channels``.

        Returns
        -------
        torch.Tensor of shape (N, n_classes)
            Logits.
        """
        tokens = fmap.flatten(2).transpose(1, 2)  # (N, H*W, C)
        _, hidden = self.rnn(tokens)
        if isinstance(hidden, tuple):  # LSTM: (h, c)
            hidden = hidden[0]
        n_dirs = 2 if self.rnn.bidirectional else 1
        last = torch.cat(list(hidden[-n_dirs:]), dim=1)  # last layer, every direction
        return self.classifier(last)


def make_head(head: str, in_channels: int, n_classes: int, *, hidden_size: int, dropout: float):
    """The :class:`SequenceHead` of ``head`` ("bilstm" or "gru")."""
    if head == "bilstm":
        return SequenceHead(in_channels, n_classes, cell="lstm", bidirectional=True,
                            hidden_size=hidden_size, dropout=dropout)
    if head == "gru":
        return SequenceHead(in_channels, n_classes, cell="gru", bidirectional=False,
                            hidden_size=hidden_size, dense_size=hidden_size, dropout=dropout)
    raise ValueError(f"unknown sequence head {head!r}; known: bilstm, gru")
