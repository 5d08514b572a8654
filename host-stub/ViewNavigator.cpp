// SPDX-License-Identifier: MIT
#include "ViewNavigator.h"

#include "HostScene.h"
#include "OpticalItem.h"
#include "ViewIndicator.h"

#include <QEvent>
#include <QGraphicsView>
#include <QKeyEvent>
#include <QScrollBar>
#include <QTimer>

ViewNavigator::ViewNavigator(HostScene *scene, QGraphicsView *view, QObject *parent)
    : QObject(parent), m_scene(scene), m_view(view), m_indicator(new ViewIndicator(view))
{
    // Zoom and centre about the middle, so a shown area stays centred.
    m_view->setTransformationAnchor(QGraphicsView::AnchorViewCenter);
    m_view->setResizeAnchor(QGraphicsView::AnchorViewCenter);
    for (QScrollBar *bar : {m_view->horizontalScrollBar(), m_view->verticalScrollBar()}) {
        connect(bar, &QScrollBar::valueChanged, this, [this] { changed(false); });
        connect(bar, &QScrollBar::actionTriggered, this, [this] { changed(true); });
    }
    m_view->installEventFilter(this);
    m_view->viewport()->installEventFilter(this);
    placeIndicator();
}

ViewNavigator::~ViewNavigator()
{
    m_view->viewport()->removeEventFilter(this);
    m_view->removeEventFilter(this);
}

QRectF ViewNavigator::visibleArea() const
{
    return m_view->mapToScene(m_view->viewport()->rect()).boundingRect();
}

void ViewNavigator::setVisibleArea(const QRectF &areaMm)
{
    if (!areaMm.isValid())
        return;
    // The scene rect limits scrolling: let any shown area be reachable.
    QGraphicsScene *gs = m_scene->graphicsScene();
    const QRectF margin = areaMm.adjusted(-areaMm.width(), -areaMm.height(), areaMm.width(), areaMm.height());
    if (!gs->sceneRect().contains(margin))
        gs->setSceneRect(gs->sceneRect().united(margin));
    m_view->fitInView(areaMm, Qt::KeepAspectRatio);
    changed(false);
}

bool ViewNavigator::revealItem(const QUuid &uuid)
{
    OpticalItem *item = m_scene->findItem(uuid);
    if (!item)
        return false;
    m_scene->graphicsScene()->clearSelection();
    item->setSelected(true);
    m_view->centerOn(item);
    changed(false);
    return true;
}

void ViewNavigator::setViewIndicator(const QString &text, const QColor &color)
{
    placeIndicator();
    m_indicator->setIndicator(text, color);
}

void ViewNavigator::addViewObserver(Optiverse::IViewObserver *observer)
{
    if (observer && !m_observers.contains(observer))
        m_observers.append(observer);
}

void ViewNavigator::removeViewObserver(Optiverse::IViewObserver *observer)
{
    m_observers.removeAll(observer);
}

void ViewNavigator::zoomBy(double factor)
{
    m_view->scale(factor, factor);
    changed(true);
}

bool ViewNavigator::eventFilter(QObject *watched, QEvent *event)
{
    switch (event->type()) {
    case QEvent::Wheel:
        changed(true); // scrolls (or zooms) after this filter: reported next turn
        break;
    case QEvent::KeyPress: {
        const int key = static_cast<QKeyEvent *>(event)->key();
        if (key == Qt::Key_Left || key == Qt::Key_Right || key == Qt::Key_Up || key == Qt::Key_Down
            || key == Qt::Key_PageUp || key == Qt::Key_PageDown)
            changed(true);
        break;
    }
    case QEvent::Resize:
        if (watched == m_view) {
            placeIndicator();
            changed(false);
        }
        break;
    default:
        break;
    }
    return QObject::eventFilter(watched, event);
}

void ViewNavigator::changed(bool byUser)
{
    m_byUser = m_byUser || byUser;
    if (m_pending)
        return;
    m_pending = true;
    QTimer::singleShot(0, this, &ViewNavigator::report);
}

void ViewNavigator::report()
{
    m_pending = false;
    const bool byUser = std::exchange(m_byUser, false);
    const QRectF area = visibleArea();
    if (area == m_reported && !byUser)
        return;
    m_reported = area;
    const QList<Optiverse::IViewObserver *> observers = m_observers; // hooks may unregister
    for (Optiverse::IViewObserver *o : observers)
        if (m_observers.contains(o))
            o->visibleAreaChanged(area, byUser);
}

void ViewNavigator::placeIndicator()
{
    m_indicator->setGeometry(m_view->viewport()->geometry());
}
