// SPDX-License-Identifier: MIT
#pragma once

#include <QColor>
#include <QRectF>
#include <QString>
#include <QUuid>

/// Separately versioned optional interface, obtained with
/// Optiverse::queryInterface<Optiverse::IViewHost>(host).
#define OPTIVERSE_IVIEWHOST_IID "org.optiverse.IViewHost/1.0"

namespace Optiverse {

class IViewObserver;

/**
 * Optional: the host's view of its canvas, so a plugin can follow another
 * user's view, jump to it, or show an item.
 *
 * Areas are rectangles in scene millimetres (the units of item data). The
 * host reports every change of its visible area (IViewObserver), saying
 * whether the user made it (pan, scroll, zoom) or not (setVisibleArea(),
 * window resizes): a plugin ends a follow on the user's own changes only.
 *
 * Plugins must work without this interface (IHost::queryInterface() returns
 * nullptr). Threading: GUI thread only. Owned by the host, valid from
 * initialize() until shutdown() returns.
 *
 * @since IViewHost 1.0 (contract 1.3)
 */
class IViewHost
{
public:
    static constexpr const char *IID = OPTIVERSE_IVIEWHOST_IID;

    virtual ~IViewHost() = default;

    /// The area of the scene visible now, in millimetres.
    virtual QRectF visibleArea() const = 0;

    /// Shows @p areaMm whole, as large as fits, aspect ratio kept (centred;
    /// the host's view may show more along one axis). Immediate: a plugin
    /// that wants easing calls it for each step. Reported with byUser false.
    virtual void setVisibleArea(const QRectF &areaMm) = 0;

    /// Selects exactly @p uuid and centres the view on it (zoom kept).
    /// Returns false, changing nothing, when the item does not exist.
    virtual bool revealItem(const QUuid &uuid) = 0;

    /// Frames the view in @p color with @p text (e.g. "Following alice — Esc");
    /// an empty text removes the frame.
    virtual void setViewIndicator(const QString &text, const QColor &color) = 0;

    /// Registers @p observer (not owned) for changes of the visible area.
    virtual void addViewObserver(IViewObserver *observer) = 0;

    /// Unregisters @p observer.
    virtual void removeViewObserver(IViewObserver *observer) = 0;
};

/**
 * Told when the host's visible area changes (IViewHost 1.0). Owned by whoever
 * registers it; unregister before destroying it. GUI thread.
 *
 * @since IViewHost 1.0
 */
class IViewObserver
{
public:
    virtual ~IViewObserver() = default;

    /// The visible area is now @p areaMm; @p byUser: the user panned,
    /// scrolled or zoomed (not setVisibleArea(), not a window resize).
    virtual void visibleAreaChanged(const QRectF &areaMm, bool byUser)
    {
        Q_UNUSED(areaMm)
        Q_UNUSED(byUser)
    }
};

} // namespace Optiverse
