// SPDX-License-Identifier: MIT
#include "PresenceOverlay.h"

#include "HostScene.h"
#include "RemotePointerItem.h"

#include <QEvent>
#include <QGraphicsPathItem>
#include <QGraphicsScene>
#include <QGraphicsView>
#include <QMouseEvent>
#include <QPen>

using Optiverse::ChangeOrigin;
using Optiverse::IPresenceObserver;
using Optiverse::SceneItem;

namespace {
constexpr double kOutlineZ = 1e6 - 1; // above items, below pointers
constexpr double kOutlineMarginMm = 1.5;
} // namespace

PresenceOverlay::PresenceOverlay(HostScene *scene, QGraphicsView *view, QObject *parent)
    : QObject(parent), m_scene(scene), m_view(view)
{
    m_scene->addObserver(this);
    connect(m_scene->graphicsScene(), &QGraphicsScene::selectionChanged, this,
            &PresenceOverlay::onLocalSelectionChanged);
    if (m_view) {
        m_view->viewport()->setMouseTracking(true); // moves without a button held
        m_view->viewport()->installEventFilter(this);
    }
}

PresenceOverlay::~PresenceOverlay()
{
    if (m_view)
        m_view->viewport()->removeEventFilter(this);
    m_scene->removeObserver(this);
    clearAll();
}

void PresenceOverlay::setRemotePointer(const QString &userKey, const QString &displayName,
                                       const QColor &color, const QPointF &posMm)
{
    RemotePointerItem *pointer = m_pointers.value(userKey);
    if (!pointer) {
        pointer = new RemotePointerItem(displayName, color);
        m_scene->graphicsScene()->addItem(pointer);
        m_pointers.insert(userKey, pointer);
    } else if (pointer->name() != displayName || pointer->color() != color) {
        pointer->setAppearance(displayName, color);
    }
    pointer->setPos(posMm);
}

void PresenceOverlay::removeRemotePointer(const QString &userKey)
{
    delete m_pointers.take(userKey); // deleting removes it from the scene
}

void PresenceOverlay::setRemoteSelection(const QString &userKey, const QColor &color,
                                         const QList<QUuid> &uuids)
{
    if (uuids.isEmpty()) {
        auto it = m_selections.find(userKey);
        if (it != m_selections.end()) {
            delete it->outline;
            m_selections.erase(it);
            rebuildSelectedSet();
        }
        return;
    }
    Selection &sel = m_selections[userKey];
    sel.color = color;
    sel.uuids = uuids;
    if (!sel.outline) {
        sel.outline = new QGraphicsPathItem;
        sel.outline->setZValue(kOutlineZ);
        sel.outline->setAcceptedMouseButtons(Qt::NoButton);
        m_scene->graphicsScene()->addItem(sel.outline);
    }
    QPen pen(color, 2); // cosmetic below: 2 px at any zoom
    pen.setCosmetic(true);
    sel.outline->setPen(pen);
    rebuildSelectedSet();
    refreshOutline(sel);
}

void PresenceOverlay::clearAll()
{
    qDeleteAll(m_pointers);
    m_pointers.clear();
    for (const Selection &sel : std::as_const(m_selections))
        delete sel.outline;
    m_selections.clear();
    m_selectedByAnyone.clear();
}

void PresenceOverlay::addPresenceObserver(IPresenceObserver *observer)
{
    if (observer && !m_observers.contains(observer))
        m_observers.append(observer);
}

void PresenceOverlay::removePresenceObserver(IPresenceObserver *observer)
{
    m_observers.removeAll(observer);
}

RemotePointerItem *PresenceOverlay::remotePointer(const QString &userKey) const
{
    return m_pointers.value(userKey);
}

QGraphicsPathItem *PresenceOverlay::remoteSelectionOutline(const QString &userKey) const
{
    return m_selections.value(userKey).outline;
}

template<typename F>
void PresenceOverlay::notify(F &&hook)
{
    const QList<IPresenceObserver *> observers = m_observers; // hooks may unregister
    for (IPresenceObserver *o : observers) {
        if (m_observers.contains(o))
            hook(o);
    }
}

void PresenceOverlay::refreshOutline(Selection &selection)
{
    QPainterPath path;
    for (const QUuid &uuid : std::as_const(selection.uuids)) {
        const OpticalItem *item = m_scene->findItem(uuid);
        if (!item) // unknown or removed: ignored, may come back with undo
            continue;
        const QRectF r = item->boundingRect().adjusted(-kOutlineMarginMm, -kOutlineMarginMm,
                                                       kOutlineMarginMm, kOutlineMarginMm);
        path.addPolygon(item->sceneTransform().map(QPolygonF(r)));
        path.closeSubpath();
    }
    selection.outline->setPath(path);
}

void PresenceOverlay::rebuildSelectedSet()
{
    m_selectedByAnyone.clear();
    for (const Selection &sel : std::as_const(m_selections)) {
        for (const QUuid &uuid : sel.uuids)
            m_selectedByAnyone.insert(uuid);
    }
}

void PresenceOverlay::itemChanged(const QUuid &uuid)
{
    if (!m_selectedByAnyone.contains(uuid))
        return;
    for (Selection &sel : m_selections) {
        if (sel.uuids.contains(uuid))
            refreshOutline(sel);
    }
}

void PresenceOverlay::itemAdded(const SceneItem &item, ChangeOrigin)
{
    itemChanged(item.uuid);
}

void PresenceOverlay::itemMoved(const SceneItem &item, ChangeOrigin)
{
    itemChanged(item.uuid);
}

void PresenceOverlay::itemUpdated(const SceneItem &item, const QStringList &, ChangeOrigin)
{
    itemChanged(item.uuid);
}

void PresenceOverlay::itemRemoved(const SceneItem &item, ChangeOrigin)
{
    itemChanged(item.uuid);
}

void PresenceOverlay::onLocalSelectionChanged()
{
    const QList<QUuid> selection = m_scene->selectedUuids();
    if (selection == m_lastLocalSelection)
        return;
    m_lastLocalSelection = selection;
    notify([&](IPresenceObserver *o) { o->localSelectionChanged(selection); });
}

bool PresenceOverlay::eventFilter(QObject *watched, QEvent *event)
{
    if (m_view && watched == m_view->viewport()) {
        if (event->type() == QEvent::MouseMove) {
            const auto *me = static_cast<QMouseEvent *>(event);
            const QPointF posMm = m_view->mapToScene(me->position().toPoint());
            notify([&](IPresenceObserver *o) { o->localPointerMoved(posMm); });
        } else if (event->type() == QEvent::Leave) {
            notify([](IPresenceObserver *o) { o->localPointerLeft(); });
        }
    }
    return QObject::eventFilter(watched, event);
}
