/**
 * Semantic segmentation task (issue 6, in progress): composed Fashion-MNIST scenes ({@link
 * dev.adm.segmentation.SceneComposer}) and mIoU metrics ({@link dev.adm.segmentation.SegmentationMetrics}) so
 * far; heads, dense distillation methods and the pipeline follow.
 */
package dev.adm.segmentation;
