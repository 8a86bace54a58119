"""Mean intersection over union, the usual semantic-segmentation score.

A confusion matrix counts every pixel by (true class, predicted class), accumulated over the whole
test set; class c's IoU is the pixels both call c over the pixels either calls c, and the mean runs
over the classes that occur in the truth or the predictions.
"""
import flambeau as torch


def confusion_matrix(prediction, truth, num_classes):
    """(num_classes, num_classes) int64 counts: row = true class, column = predicted class."""
    pairs = truth.reshape(-1).to(torch.int64) * num_classes + prediction.reshape(-1).to(torch.int64)
    return torch.bincount(pairs, minlength=num_classes ** 2).reshape(num_classes, num_classes)


def mean_iou(confusion):
    """(mean IoU, [IoU of each class, None where no pixel is that class in truth or prediction])."""
    both = confusion.diagonal()
    either = confusion.sum(dim=0) + confusion.sum(dim=1) - both
    ious = [b / e if e else None for b, e in zip(both.tolist(), either.tolist())]
    present = [iou for iou in ious if iou is not None]
    return sum(present) / len(present), ious
