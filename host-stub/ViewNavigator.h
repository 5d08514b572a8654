// SPDX-License-Identifier: MIT
#pragma once

#include <optiverse/iviewhost.h>

#include <QList>
#include <QObject>
#include <QRectF>

class HostScene;
class QGraphicsView;
class ViewIndicator;

/**
 * The host's IViewHost over its QGraphicsView: the visible area in scene
 * millimetres, set (aspect kept) and reported, items revealed, and the
 * follow frame (ViewIndicator) drawn over the canvas.
 *
 * Changes are reported once per event-loop turn; one counts as the user's
 * when a wheel, a scroll-bar action, a navigation key or a zoom action
 * (zoomBy()) caused it since the last report.
 */
class ViewNavigator : public QObject, public Optiverse::IViewHost
{
    Q_OBJECT
public:
    ViewNavigator(HostScene *scene, QGraphicsView *view, QObject *parent = nullptr);
    ~ViewNavigator() override;

    // IViewHost
    QRectF visibleArea() const override;
    void setVisibleArea(const QRectF &areaMm) override;
    bool revealItem(const QUuid &uuid) override;
    void setViewIndicator(const QString &text, const QColor &color) override;
    void addViewObserver(Optiverse::IViewObserver *observer) override;
    void removeViewObserver(Optiverse::IViewObserver *observer) override;

    /// Zooms by @p factor about the view's centre, as the user's View → Zoom.
    void zoomBy(double factor);
    ViewIndicator *indicator() const { return m_indicator; }

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    void changed(bool byUser);
    void report();
    void placeIndicator();

    HostScene *m_scene;
    QGraphicsView *m_view;
    ViewIndicator *m_indicator;
    QList<Optiverse::IViewObserver *> m_observers;
    QRectF m_reported;
    bool m_pending = false;
    bool m_byUser = false;
};
